package teams

import (
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

func day(y, m, d int32) *date.Date { return &date.Date{Year: y, Month: m, Day: d} }

// TestTermTable walks the rules of a membership's dates.
func TestTermTable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end *date.Date
		code       codes.Code // codes.OK: allowed
		field      string
	}{
		{"open-ended", day(2018, 1, 8), nil, codes.OK, ""},
		{"ends the day it starts", day(2026, 6, 1), day(2026, 6, 1), codes.OK, ""},
		{"ends later", day(2026, 6, 1), day(2027, 5, 31), codes.OK, ""},
		{"leap day", day(2024, 2, 29), nil, codes.OK, ""},
		{"no start", nil, nil, codes.InvalidArgument, "member.start_date"},
		{"start not a calendar date", day(2026, 2, 30), nil, codes.InvalidArgument, "member.start_date"},
		{"start not a leap day", day(2026, 2, 29), nil, codes.InvalidArgument, "member.start_date"},
		{"start in year 0", day(0, 1, 1), nil, codes.InvalidArgument, "member.start_date"},
		{"end not a calendar date", day(2026, 6, 1), day(2026, 6, 31), codes.InvalidArgument, "member.end_date"},
		{"ends before it starts", day(2026, 6, 1), day(2026, 5, 31), codes.InvalidArgument, "member.end_date"},
		{"ends years before", day(2026, 6, 1), day(999, 12, 31), codes.InvalidArgument, "member.end_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkTerm(&pb.Member{StartDate: tc.start, EndDate: tc.end})
			if tc.code == codes.OK {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			apitest.WantCode(t, err, tc.code, tc.field)
		})
	}
}

// TestEndOfTermTable: a membership ended today ends today, unless its own
// end date has come already.
func TestEndOfTermTable(t *testing.T) {
	today := day(2026, 11, 11)
	for _, tc := range []struct {
		name string
		end  *date.Date
		want *date.Date
	}{
		{"open-ended", nil, today},
		{"ends later", day(2027, 1, 1), today},
		{"ends tomorrow", day(2026, 11, 12), today},
		{"ends today", day(2026, 11, 11), today},
		{"ended yesterday", day(2026, 11, 10), day(2026, 11, 10)},
		{"ended years ago", day(2019, 3, 31), day(2019, 3, 31)},
	} {
		if got := endOfTerm(&pb.Member{StartDate: day(2018, 1, 1), EndDate: tc.end}, today); !proto.Equal(got, tc.want) {
			t.Errorf("%s: end = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewMembership(t *testing.T) {
	today := day(2026, 11, 11)
	const person = "organisations/o/people/ana"
	for _, tc := range []struct {
		name string
		sent *pb.Member
		want *pb.Member
	}{
		{"starts today by default", &pb.Member{Person: person, Role: pb.Member_ROLE_LEAD},
			&pb.Member{Name: "m", Person: person, Role: pb.Member_ROLE_LEAD, StartDate: today}},
		{"keeps the dates sent", &pb.Member{Person: person, Role: pb.Member_ROLE_MEMBER, StartDate: day(2018, 1, 8), EndDate: day(2030, 1, 1)},
			&pb.Member{Name: "m", Person: person, Role: pb.Member_ROLE_MEMBER, StartDate: day(2018, 1, 8), EndDate: day(2030, 1, 1)}},
		{"ignores output fields", &pb.Member{Name: "x", Person: person, Role: pb.Member_ROLE_MEMBER, Etag: "7", CreateTime: timestamppb.Now()},
			&pb.Member{Name: "m", Person: person, Role: pb.Member_ROLE_MEMBER, StartDate: today}},
	} {
		if got := newMembership("m", tc.sent, today); !proto.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPersonKeptTable: the person of a membership is fixed; a mask may
// name it only with the person it has.
func TestPersonKeptTable(t *testing.T) {
	current := &pb.Member{Person: "organisations/o/people/ana"}
	for _, tc := range []struct {
		name   string
		person string
		mask   []string
		ok     bool
	}{
		{"not in the mask", "organisations/o/people/ben", []string{"role"}, true},
		{"empty mask", "organisations/o/people/ben", nil, true},
		{"in the mask, unchanged", "organisations/o/people/ana", []string{"person", "role"}, true},
		{"in the mask, changed", "organisations/o/people/ben", []string{"person"}, false},
		{"in the mask, cleared", "", []string{"person"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPersonKept(current, &pb.Member{Person: tc.person}, tc.mask)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			apitest.WantCode(t, err, codes.InvalidArgument, "member.person")
		})
	}
}

// TestJoinTable: a person joins a live team they are not a member of yet.
func TestJoinTable(t *testing.T) {
	const parent = "organisations/o/teams/t"
	existing := &memberRecord{Stored: resource.Hold(&pb.Member{Name: parent + "/members/m"})}
	for _, tc := range []struct {
		name     string
		team     *teamRecord
		existing *memberRecord
		code     codes.Code
		field    string
	}{
		{"live team, new member", team("t"), nil, codes.OK, ""},
		{"deleted team", deleted(team("t")), nil, codes.FailedPrecondition, parent},
		{"already a member", team("t"), existing, codes.AlreadyExists, existing.Msg.Name},
		{"deleted team, already a member", deleted(team("t")), existing, codes.FailedPrecondition, parent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkJoin(parent, tc.team, tc.existing)
			if tc.code == codes.OK {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			apitest.WantCode(t, err, tc.code, tc.field)
		})
	}
}

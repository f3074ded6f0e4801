package teams_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

func (e *env) listMembers(t *testing.T, req *pb.ListMembersRequest) []*pb.Member {
	t.Helper()
	var out []*pb.Member
	for {
		resp, err := e.members.ListMembers(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, resp.Members...)
		if resp.NextPageToken == "" {
			return out
		}
		req.PageToken = resp.NextPageToken
	}
}

func memberPeople(ms []*pb.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Person)
	}
	return out
}

func (e *env) testMembers(t *testing.T) {
	c := ctx(t)
	org := e.newOrg(t, "members")
	national := e.newTeam(t, org, "national", "")
	regional := e.newTeam(t, org, "regional", national.Name)
	ana, ben, cat := e.newPerson(t, org, "ana"), e.newPerson(t, org, "ben"), e.newPerson(t, org, "cat")

	add := func(team *pb.Team, person string, role pb.Member_Role, start *date.Date) (*pb.Member, error) {
		return e.members.CreateMember(c, &pb.CreateMemberRequest{Parent: team.Name, Member: &pb.Member{Person: person, Role: role, StartDate: start}})
	}
	lead, err := add(national, ana, pb.Member_ROLE_LEAD, &date.Date{Year: 2018, Month: 1, Day: 8})
	if err != nil {
		t.Fatal(err)
	}
	if lead.StartDate.Year != 2018 || lead.EndDate != nil {
		t.Fatalf("added %v", lead)
	}
	for _, m := range []struct {
		team   *pb.Team
		person string
		role   pb.Member_Role
	}{{national, ben, pb.Member_ROLE_MEMBER}, {regional, ana, pb.Member_ROLE_SPONSOR}, {regional, cat, pb.Member_ROLE_SECRETARIAT}} {
		if _, err := add(m.team, m.person, m.role, nil); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().UTC()
	if got := e.listMembers(t, &pb.ListMembersRequest{Parent: regional.Name}); len(got) != 2 || got[0].StartDate.Day != int32(today.Day()) {
		t.Fatalf("regional members = %v", got)
	}

	// The teams a person belongs to: a list across all teams.
	anas := e.listMembers(t, &pb.ListMembersRequest{Parent: org + "/teams/-", Filter: fmt.Sprintf("person = %q", ana), PageSize: 1})
	if len(anas) != 2 {
		t.Fatalf("ana's memberships = %v", anas)
	}
	if leads := e.listMembers(t, &pb.ListMembersRequest{Parent: org + "/teams/-", Filter: "role = ROLE_LEAD"}); len(leads) != 1 || leads[0].Person != ana {
		t.Fatalf("leads = %v", leads)
	}

	_, err = add(national, ana, pb.Member_ROLE_MEMBER, nil)
	apitest.WantCode(t, err, codes.AlreadyExists, lead.Name)

	promoted, err := e.members.UpdateMember(c, &pb.UpdateMemberRequest{Member: &pb.Member{Name: lead.Name, Role: pb.Member_ROLE_SPONSOR, Etag: lead.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	if err != nil || promoted.Role != pb.Member_ROLE_SPONSOR || promoted.StartDate.Year != 2018 {
		t.Fatalf("update role = %v, %v", promoted, err)
	}
	ended, err := e.members.DeleteMember(c, &pb.DeleteMemberRequest{Name: lead.Name, Etag: promoted.Etag})
	if err != nil || ended.EndDate == nil || ended.DeleteTime == nil {
		t.Fatalf("remove = %v, %v", ended, err)
	}
	if got := memberPeople(e.listMembers(t, &pb.ListMembersRequest{Parent: national.Name})); !slices.Equal(got, []string{ben}) {
		t.Errorf("national members after removal = %v", got)
	}
	if got := e.listMembers(t, &pb.ListMembersRequest{Parent: national.Name, ShowDeleted: true}); len(got) != 2 {
		t.Errorf("with ended memberships = %v", got)
	}
	if _, err := add(national, ana, pb.Member_ROLE_MEMBER, nil); err != nil {
		t.Fatalf("re-adding after removal: %v", err)
	}

	// Deleting a person ends their memberships.
	if _, err := e.people.DeletePerson(c, &orgpb.DeletePersonRequest{Name: cat}); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 15*time.Second, "the deleted person's membership did not end", func() bool {
		return len(e.listMembers(t, &pb.ListMembersRequest{Parent: org + "/teams/-", Filter: fmt.Sprintf("person = %q", cat)})) == 0
	})

	// Bad memberships store nothing.
	before := e.count(t, "members")
	other := e.newOrg(t, "members-other")
	stranger := e.newPerson(t, other, "stranger")
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"person of another organisation", second(add(national, stranger, pb.Member_ROLE_MEMBER, nil)), codes.InvalidArgument, "member.person"},
		{"no such person", second(add(national, org+"/people/ghost", pb.Member_ROLE_MEMBER, nil)), codes.InvalidArgument, "member.person"},
		{"deleted person", second(add(national, cat, pb.Member_ROLE_MEMBER, nil)), codes.FailedPrecondition, "member.person"},
		{"missing role", second(add(national, ben, pb.Member_ROLE_UNSPECIFIED, nil)), codes.InvalidArgument, "member.role"},
		{"impossible date", second(add(regional, ben, pb.Member_ROLE_MEMBER, &date.Date{Year: 2026, Month: 2, Day: 30})), codes.InvalidArgument, "member.start_date"},
		{"no such team", second(add(&pb.Team{Name: org + "/teams/ghost"}, ben, pb.Member_ROLE_MEMBER, nil)), codes.NotFound, ""},
		{"bad person filter", func() error {
			_, err := e.members.ListMembers(c, &pb.ListMembersRequest{Parent: org + "/teams/-", Filter: "person = ben"})
			return err
		}(), codes.InvalidArgument, "filter"},
		{"person cannot change", func() error {
			m := e.listMembers(t, &pb.ListMembersRequest{Parent: national.Name, Filter: fmt.Sprintf("person = %q", ben)})[0]
			_, err := e.members.UpdateMember(c, &pb.UpdateMemberRequest{Member: &pb.Member{Name: m.Name, Person: ana},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"person"}}})
			return err
		}(), codes.InvalidArgument, "member.person"},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.err, tc.code, tc.field) })
	}
	if e.count(t, "members") != before {
		t.Errorf("bad memberships were stored")
	}
}

func second[T any](_ T, err error) error { return err }

package planning_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// testCheckIns: a member of the owner team posts a check-in (with
// progress, on a tactic), which is published and becomes the element's
// latest, in the element, its thread and the tree; lists come newest
// first; bad input names its field and stores nothing; a viewer, and a
// contributor of another team, cannot post; a retried create answers the
// first; an element whose check-in is due is flagged in the integrity
// report, and a check-in clears it.
func (e *env) testCheckIns(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "checking")
	person := func(id string, role identitypb.Role) string { return e.person(t, p.org, id, role) }
	member := person("member", identitypb.Role_ROLE_CONTRIBUTOR)
	person("stranger", identitypb.Role_ROLE_CONTRIBUTOR)
	person("watcher", identitypb.Role_ROLE_VIEWER)
	if _, err := e.members.CreateMember(c, &teamspb.CreateMemberRequest{Parent: p.east,
		Member: &teamspb.Member{Person: member, Role: teamspb.Member_ROLE_MEMBER}}); err != nil {
		t.Fatal(err)
	}
	post := func(who, parent, id string, in *pb.CheckIn) (*pb.CheckIn, error) {
		return e.as(t, e.auth.Token(t, "sub-"+who)).checkIns.CreateCheckIn(c, &pb.CreateCheckInRequest{Parent: parent, CheckInId: id,
			RequestId: "r-" + id, CheckIn: in})
	}
	sixty := int32(60)
	first, err := post("member", p.tactic, "week-1", &pb.CheckIn{Assessment: pb.Health_HEALTH_AT_RISK, Progress: &sixty,
		Summary: "Half the venues are booked.", NextSteps: "Book the rest.", Blockers: "Two venues do not answer."})
	if err != nil {
		t.Fatalf("a member of the owner team posting a check-in: %v", err)
	}
	if first.Author != member || first.UpdateActor != "user:sub-member" || first.CreateTime == nil {
		t.Errorf("check-in = %v", first)
	}
	again, err := post("member", p.tactic, "week-1", &pb.CheckIn{Assessment: pb.Health_HEALTH_AT_RISK, Progress: &sixty,
		Summary: "Half the venues are booked.", NextSteps: "Book the rest.", Blockers: "Two venues do not answer."})
	if err != nil || !proto.Equal(again, first) {
		t.Errorf("a retried post answered %v, %v; want the first", again, err)
	}
	time.Sleep(2 * time.Millisecond) // the second is newer by its time
	second, err := post("member", p.tactic, "week-2", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "All booked."})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, p.tactic).LatestCheckIn; !proto.Equal(got, second) {
		t.Errorf("the tactic's latest check-in = %v, want %v", got, second)
	}
	th, err := e.elements.GetElementThread(c, &pb.GetElementThreadRequest{Name: p.tactic})
	if err != nil || th.Elements[0].LatestCheckIn.GetSummary() != "All booked." {
		t.Errorf("the thread's tactic carries %v (%v)", th.GetElements(), err)
	}
	tree, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org, Root: p.strategy})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tree.Roots[0].Children {
		if n.Element.Name == p.tactic && n.Element.LatestCheckIn.GetSummary() != "All booked." {
			t.Errorf("the tree's tactic carries %v as its latest check-in", n.Element.LatestCheckIn)
		}
	}
	list, err := e.checkIns.ListCheckIns(c, &pb.ListCheckInsRequest{Parent: p.tactic})
	if err != nil || len(list.CheckIns) != 2 || list.CheckIns[0].Name != second.Name {
		t.Errorf("check-ins = %v, %v; want newest first", list.GetCheckIns(), err)
	}
	var events int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM outbox WHERE subject LIKE ? AND resource LIKE ?",
		"%.checking.check_in.posted", p.tactic+"/checkIns/%").Scan(&events); err != nil || events != 2 {
		t.Errorf("CheckInPosted events: %d (%v), want 2", events, err)
	}

	// Bad input names its field and stores nothing; others may not post.
	for _, tc := range []struct {
		name, who, parent, field string
		in                       *pb.CheckIn
		code                     codes.Code
	}{
		{"no summary", "member", p.tactic, "check_in.summary", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK}, codes.InvalidArgument},
		{"a summary too long", "member", p.tactic, "check_in.summary", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: strings.Repeat("x", 4001)}, codes.InvalidArgument},
		{"no assessment", "member", p.tactic, "check_in.assessment", &pb.CheckIn{Summary: "x"}, codes.InvalidArgument},
		{"progress on a strategy", "member", p.strategy, "check_in.progress", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "x", Progress: &sixty}, codes.InvalidArgument},
		{"a viewer", "watcher", p.tactic, "", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "x"}, codes.PermissionDenied},
		{"another team's contributor", "stranger", p.tactic, "", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "x"}, codes.PermissionDenied},
		{"no such element", "member", p.org + "/elements/ghost", "", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "x"}, codes.NotFound},
	} {
		_, err := post(tc.who, tc.parent, "", tc.in)
		apitest.WantCode(t, err, tc.code, tc.field)
	}
	if n := e.count(t, "check_ins WHERE organisation_id = 'checking'"); n != 2 {
		t.Errorf("%d check-ins stored, want 2", n)
	}

	// A weekly check-in on a strategy last heard of more than a week ago
	// is late, in the integrity report; a check-in clears it.
	if _, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: p.strategy,
		CheckInFrequency: pb.CheckInFrequency_CHECK_IN_FREQUENCY_WEEKLY}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"check_in_frequency"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ExecContext(context.Background(), "UPDATE elements SET create_time = ? WHERE organisation_id = 'checking' AND id = 'strategy'",
		time.Now().Add(-8*24*time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	late := func() bool {
		r, err := e.elements.GetIntegrityReport(c, &pb.GetIntegrityReportRequest{Parent: p.org})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			if f.Kind == pb.IntegrityFinding_KIND_CHECK_IN_LATE && f.Element == p.strategy {
				return true
			}
		}
		return false
	}
	if s := e.get(t, p.strategy); !late() || !s.CheckInDueTime.AsTime().Before(time.Now()) {
		t.Errorf("a strategy due %v is not flagged late", s.CheckInDueTime.AsTime())
	}
	if _, err := post("member", p.strategy, "", &pb.CheckIn{Assessment: pb.Health_HEALTH_ON_TRACK, Summary: "On course."}); err != nil {
		t.Fatal(err)
	}
	if s := e.get(t, p.strategy); late() || !s.CheckInDueTime.AsTime().After(time.Now().Add(6*24*time.Hour)) {
		t.Errorf("after a check-in, the strategy is still late (due %v)", s.CheckInDueTime.AsTime())
	}
}

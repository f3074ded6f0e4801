package planning_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// testDelegation: leadership decides what, managers decide how. A
// contributor who leads the east team plans strategies and tactics owned by
// east, or by a team under it, under parents they own; never another
// team's, never the vision; not once the membership has ended. A member
// who does not lead stays a contributor.
func (e *env) testDelegation(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "delegated")
	person := func(id string) string { return e.person(t, p.org, id, identitypb.Role_ROLE_CONTRIBUTOR) }
	join := func(team, who string, role teamspb.Member_Role, end *date.Date) *teamspb.Member {
		m, err := e.members.CreateMember(c, &teamspb.CreateMemberRequest{Parent: team,
			Member: &teamspb.Member{Person: who, Role: role, EndDate: end}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	lead, member := person("lead"), person("member")
	leading := join(p.east, lead, teamspb.Member_ROLE_LEAD, nil)
	join(p.east, member, teamspb.Member_ROLE_MEMBER, nil)
	training := e.team(t, p.org, "training", p.east)

	as := func(who string) *env { return e.as(t, e.auth.Token(t, "sub-"+who)) }
	create := func(who string, x el) (*pb.Element, error) {
		x.start, x.end, x.status = day(2018, 1, 1), day(2018, 1, 31), pb.Status_STATUS_ACTIVE
		return as(who).create(t, p.org, x)
	}
	// Under a strategy east owns, a tactic owned by east, and one by a
	// team under east.
	mine, err := create("lead", el{id: "lead-tactic", level: pb.Level_LEVEL_TACTIC, title: "Train the trainers", team: p.east, parent: p.strategy})
	if err != nil {
		t.Fatalf("a team lead creating a tactic of their team under its strategy: %v", err)
	}
	if _, err := create("lead", el{id: "training-tactic", level: pb.Level_LEVEL_TACTIC, title: "Run the courses", team: training, parent: p.strategy}); err != nil {
		t.Errorf("a team lead creating a tactic of a team under theirs: %v", err)
	}
	// A strategy under an objective a planner gave east.
	if _, err := create("lead", el{id: "lead-strategy", level: pb.Level_LEVEL_STRATEGY, title: "Coach the coaches", team: p.east, parent: p.calendar}); err != nil {
		t.Errorf("a team lead creating a strategy under their team's objective: %v", err)
	}
	// Refused, naming the rule: another team's parent or ownership, the
	// levels of the "what", and a contributor who leads nothing.
	for _, tc := range []struct {
		name, who, want string
		x               el
	}{
		{"under another team's objective", "lead", "the parent of", el{level: pb.Level_LEVEL_STRATEGY, title: "x", team: p.east, parent: p.sop}},
		{"owned by another team", "lead", "which is not one", el{level: pb.Level_LEVEL_TACTIC, title: "x", team: p.west, parent: p.strategy}},
		{"an objective", "lead", "team leads plan strategies and tactics", el{level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING,
			title: "x", team: p.east, parent: p.mission}},
		{"a vision", "lead", "team leads plan strategies and tactics", el{level: pb.Level_LEVEL_VISION, title: "x", team: p.east}},
		{"a member who does not lead", "member", "you lead no team today", el{level: pb.Level_LEVEL_TACTIC, title: "x", team: p.east, parent: p.strategy}},
	} {
		_, err := create(tc.who, tc.x)
		apitest.WantCode(t, err, codes.PermissionDenied, "")
		if err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}
	update := func(who, name string, change *pb.Element, paths ...string) error {
		change.Name = name
		_, err := as(who).elements.UpdateElement(c, &pb.UpdateElementRequest{Element: change, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return err
	}
	if err := update("lead", p.strategy, &pb.Element{Title: "Train every trainer, twice"}, "title"); err != nil {
		t.Errorf("a team lead renaming their team's strategy: %v", err)
	}
	apitest.WantCode(t, update("lead", p.strategy, &pb.Element{OwnerTeam: p.west}, "owner_team"), codes.PermissionDenied, "")
	apitest.WantCode(t, update("lead", p.vision, &pb.Element{Title: "Ours now"}, "title"), codes.PermissionDenied, "")
	apitest.WantCode(t, update("member", mine.Name, &pb.Element{Title: "renamed"}, "title"), codes.PermissionDenied, "")
	if err := update("member", mine.Name, &pb.Element{Progress: 30}, "progress"); err != nil {
		t.Errorf("a member updating their team's tactic's progress: %v", err)
	}
	if _, err := as("lead").elements.DeleteElement(c, &pb.DeleteElementRequest{Name: mine.Name}); err != nil {
		t.Errorf("a team lead deleting their team's tactic: %v", err)
	}
	if _, err := as("lead").elements.UndeleteElement(c, &pb.UndeleteElementRequest{Name: mine.Name}); err != nil {
		t.Errorf("a team lead restoring it: %v", err)
	}
	_, err = as("lead").elements.DeleteElement(c, &pb.DeleteElementRequest{Name: p.sop, Force: true})
	apitest.WantCode(t, err, codes.PermissionDenied, "")

	// Rights follow the membership's term: once it ended, the lead plans
	// nothing.
	y := time.Now().UTC().AddDate(0, 0, -1)
	yesterday := day(int32(y.Year()), int32(y.Month()), int32(y.Day()))
	if _, err := e.members.UpdateMember(c, &teamspb.UpdateMemberRequest{Member: &teamspb.Member{Name: leading.Name, StartDate: day(2020, 1, 1), EndDate: yesterday},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"start_date", "end_date"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = create("lead", el{id: "too-late", level: pb.Level_LEVEL_TACTIC, title: "x", team: p.east, parent: p.strategy})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
}

package planning_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// testRules breaks each rule of the plan once: the answer names the field,
// and nothing is stored or published.
func (e *env) testRules(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "rules")
	other := e.buildPlan(t, "rules-other")
	elements, events := e.count(t, "elements"), e.count(t, "outbox")

	tactic := func(mod func(*el)) el {
		x := el{level: pb.Level_LEVEL_TACTIC, title: "t", team: p.east, parent: p.strategy, start: day(2018, 1, 1), end: day(2018, 1, 31)}
		mod(&x)
		return x
	}
	update := func(name string, change *pb.Element, paths ...string) error {
		change.Name = name
		_, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: change, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return err
	}
	second := func(_ *pb.Element, err error) error { return err }
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"no level", second(e.create(t, p.org, tactic(func(x *el) { x.level = 0 }))), codes.InvalidArgument, "element.level"},
		{"a vision with a parent", second(e.create(t, p.org, tactic(func(x *el) { x.level = pb.Level_LEVEL_VISION; x.parent = p.vision }))), codes.InvalidArgument, "element.parent"},
		{"a mission without a parent", second(e.create(t, p.org, tactic(func(x *el) { x.level = pb.Level_LEVEL_MISSION; x.parent = "" }))), codes.InvalidArgument, "element.parent"},
		{"level order: a tactic under an objective", second(e.create(t, p.org, tactic(func(x *el) { x.parent = p.calendar }))), codes.InvalidArgument, "element.parent"},
		{"a parent in another organisation", second(e.create(t, p.org, tactic(func(x *el) { x.parent = other.strategy }))), codes.InvalidArgument, "element.parent"},
		{"a parent that does not exist", second(e.create(t, p.org, tactic(func(x *el) { x.parent = p.org + "/elements/ghost" }))), codes.InvalidArgument, "element.parent"},
		{"a horizon outside the parent's", second(e.create(t, p.org, tactic(func(x *el) { x.end = day(2019, 1, 1) }))), codes.FailedPrecondition, "element.start_date"},
		{"an end before the start", second(e.create(t, p.org, tactic(func(x *el) { x.start = day(2018, 1, 20); x.end = day(2018, 1, 10) }))), codes.InvalidArgument, "element.end_date"},
		{"an impossible date", second(e.create(t, p.org, tactic(func(x *el) { x.end = day(2018, 2, 30) }))), codes.InvalidArgument, "element.end_date"},
		{"no horizon", second(e.create(t, p.org, tactic(func(x *el) { x.start = nil }))), codes.InvalidArgument, "element.start_date"},
		{"a strategy with a kind", second(e.create(t, p.org, el{level: pb.Level_LEVEL_STRATEGY, kind: pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING, title: "s", team: p.east, parent: p.calendar, start: day(2018, 1, 1), end: day(2018, 2, 1)})), codes.InvalidArgument, "element.objective_kind"},
		{"a defining objective without its thematic goal", second(e.create(t, p.org, el{level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, title: "d", team: p.east, parent: p.mission, start: day(2018, 1, 1), end: day(2018, 2, 1)})), codes.InvalidArgument, "element.thematic_goal"},
		{"a thematic goal that is not one", second(e.create(t, p.org, el{level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, title: "d", team: p.east, parent: p.mission, thematicGoal: p.sop, start: day(2018, 1, 1), end: day(2018, 2, 1)})), codes.InvalidArgument, "element.thematic_goal"},
		{"a second thematic goal for a team at once", second(e.create(t, p.org, el{level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL, title: "Another rallying cry", team: p.east, parent: p.mission, start: day(2018, 6, 1), end: day(2018, 9, 30)})), codes.FailedPrecondition, "element.owner_team"},
		{"progress set on a strategy", second(e.create(t, p.org, el{level: pb.Level_LEVEL_STRATEGY, title: "s", team: p.east, parent: p.calendar, progress: 50, start: day(2018, 1, 1), end: day(2018, 2, 1)})), codes.InvalidArgument, "element.progress"},
		{"an owner team of another organisation", second(e.create(t, p.org, tactic(func(x *el) { x.team = other.east }))), codes.InvalidArgument, "element.owner_team"},
		{"an owner team that does not exist", second(e.create(t, p.org, tactic(func(x *el) { x.team = p.org + "/teams/ghost" }))), codes.InvalidArgument, "element.owner_team"},
		{"supports of the wrong level", func() error {
			_, err := e.elements.CreateElement(c, &pb.CreateElementRequest{Parent: p.org, Element: &pb.Element{Level: pb.Level_LEVEL_TACTIC,
				Title: "t", OwnerTeam: p.east, Parent: p.strategy, Supports: []string{p.mission}, StartDate: day(2018, 1, 1), EndDate: day(2018, 1, 2)}})
			return err
		}(), codes.InvalidArgument, "element.supports"},
		{"a level change", update(p.tactic, &pb.Element{Level: pb.Level_LEVEL_STRATEGY}, "level"), codes.InvalidArgument, "element.level"},
		{"a horizon that would leave a child outside", update(p.strategy, &pb.Element{EndDate: day(2018, 1, 15)}, "end_date"), codes.FailedPrecondition, "element.start_date"},
		{"a move under the wrong level", update(p.tactic, &pb.Element{Parent: p.mission}, "parent"), codes.InvalidArgument, "element.parent"},
		{"progress on a strategy by update", update(p.strategy, &pb.Element{Progress: 10}, "progress"), codes.InvalidArgument, "element.progress"},
		{"a blank title", update(p.tactic, &pb.Element{Title: " "}, "title"), codes.InvalidArgument, "element.title"},
		{"a stale etag", update(p.tactic, &pb.Element{Title: "x", Etag: "99"}, "title"), codes.Aborted, ""},
		{"deleting an element with children", func() error {
			_, err := e.elements.DeleteElement(c, &pb.DeleteElementRequest{Name: p.strategy})
			return err
		}(), codes.FailedPrecondition, p.strategy},
		{"deleting a thematic goal with defining objectives", func() error {
			_, err := e.elements.DeleteElement(c, &pb.DeleteElementRequest{Name: p.train, Force: true})
			return err
		}(), codes.FailedPrecondition, p.train},
		{"a bad filter", func() error {
			_, err := e.elements.ListElements(c, &pb.ListElementsRequest{Parent: p.org, Filter: "level = LEVEL_SIDEWAYS"})
			return err
		}(), codes.InvalidArgument, "filter"},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.err, tc.code, tc.field) })
	}
	if n := e.count(t, "elements"); n != elements {
		t.Errorf("broken rules stored elements: %d, was %d", n, elements)
	}
	if n := e.count(t, "outbox"); n != events {
		t.Errorf("broken rules published events: %d, was %d", n, events)
	}
}

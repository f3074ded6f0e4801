package planning

import (
	"slices"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

func d(y, m, day int32) *date.Date { return &date.Date{Year: y, Month: m, Day: day} }

// The rule tables' plan lives in organisation o, owned by teams t and u.
const (
	teamT = "organisations/o/teams/t"
	teamU = "organisations/o/teams/u"
)

func elName(id string) string { return elementName("o", id) }

// element is a live element of o with a 2018 horizon; mod adjusts it.
func element(id string, level pb.Level, mod func(e *pb.Element)) *pb.Element {
	e := &pb.Element{Name: elName(id), Level: level, Title: id, OwnerTeam: teamT, StartDate: d(2018, 1, 1), EndDate: d(2018, 12, 31),
		Status: pb.Status_STATUS_ACTIVE}
	if level != pb.Level_LEVEL_VISION {
		e.Parent = elName("parent")
	}
	if level == pb.Level_LEVEL_OBJECTIVE {
		e.ObjectiveKind = pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING
	}
	if mod != nil {
		mod(e)
	}
	return e
}

func goal(mod func(e *pb.Element)) *pb.Element {
	return element("goal", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) {
		e.ObjectiveKind = pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL
		if mod != nil {
			mod(e)
		}
	})
}

// stored is the record of e as the store reads it back.
func stored(e *pb.Element, manualProgress int32) *elementRecord {
	r := &elementRecord{Stored: resource.Stored[*pb.Element]{Msg: e, Rev: 3}, orgID: "o", id: e.Name[len("organisations/o/elements/"):], manualProgress: manualProgress}
	if err := r.resolve(); err != nil {
		panic(err)
	}
	return r
}

// TestShapeTable walks the rules an element obeys on its own.
func TestShapeTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		e     *pb.Element
		code  codes.Code
		field string
	}{
		{"a tactic", element("x", pb.Level_LEVEL_TACTIC, nil), codes.OK, ""},
		{"a vision", element("x", pb.Level_LEVEL_VISION, nil), codes.OK, ""},
		{"no level", element("x", pb.Level_LEVEL_UNSPECIFIED, nil), codes.InvalidArgument, "element.level"},
		{"a vision with a parent", element("x", pb.Level_LEVEL_VISION, func(e *pb.Element) { e.Parent = elName("p") }), codes.InvalidArgument, "element.parent"},
		{"a mission without a parent", element("x", pb.Level_LEVEL_MISSION, func(e *pb.Element) { e.Parent = "" }), codes.InvalidArgument, "element.parent"},
		{"a plain objective", element("x", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) { e.ObjectiveKind = 0 }), codes.OK, ""},
		{"a strategy with a kind", element("x", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) {
			e.ObjectiveKind = pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL
		}), codes.InvalidArgument, "element.objective_kind"},
		{"a defining objective without its goal", element("x", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) {
			e.ObjectiveKind = pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE
		}), codes.InvalidArgument, "element.thematic_goal"},
		{"a defining objective with its goal", element("x", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) {
			e.ObjectiveKind, e.ThematicGoal = pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, elName("goal")
		}), codes.OK, ""},
		{"a goal named by a standard objective", element("x", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) { e.ThematicGoal = elName("goal") }), codes.InvalidArgument, "element.thematic_goal"},
		{"a vision that supports something", element("x", pb.Level_LEVEL_VISION, func(e *pb.Element) { e.Supports = []string{elName("s")} }), codes.InvalidArgument, "element.supports"},
		{"no start", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.StartDate = nil }), codes.InvalidArgument, "element.start_date"},
		{"no end", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.EndDate = nil }), codes.InvalidArgument, "element.end_date"},
		{"an impossible end", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.EndDate = d(2018, 2, 30) }), codes.InvalidArgument, "element.end_date"},
		{"an end before the start", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.EndDate = d(2017, 12, 31) }), codes.InvalidArgument, "element.end_date"},
		{"a one-day horizon", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.EndDate = d(2018, 1, 1) }), codes.OK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, checkShape(tc.e), tc.code, tc.field) })
	}
}

// TestNewElementTable walks the rules of a new element, a change from the
// empty element of its level, and what is derived for it.
func TestNewElementTable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    *pb.Element
		code  codes.Code
		field string
		want  func(r *elementRecord) bool
	}{
		{"a tactic keeps its progress by hand", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.Progress = 40 }), codes.OK, "",
			func(r *elementRecord) bool { return r.manualProgress == 40 && r.Msg.Progress == 40 }},
		{"progress on a strategy", element("x", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) { e.Progress = 40 }), codes.InvalidArgument, "element.progress", nil},
		{"no status is proposed", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.Status = 0 }), codes.OK, "",
			func(r *elementRecord) bool { return r.Msg.Status == pb.Status_STATUS_PROPOSED }},
		{"a done strategy without children is complete", element("x", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) { e.Status = pb.Status_STATUS_DONE }),
			codes.OK, "", func(r *elementRecord) bool { return r.Msg.Progress == 100 && r.Msg.Health == pb.Health_HEALTH_UNKNOWN }},
		{"roll-ups and output-only fields are the service's", element("x", pb.Level_LEVEL_VISION, func(e *pb.Element) {
			e.Health, e.KpiHealth, e.OwnerTeamDeleted, e.Etag = pb.Health_HEALTH_OFF_TRACK, pb.Health_HEALTH_OFF_TRACK, true, "7"
		}), codes.OK, "", func(r *elementRecord) bool {
			return r.Msg.Health == pb.Health_HEALTH_UNKNOWN && r.Msg.KpiHealth == pb.Health_HEALTH_UNKNOWN && !r.Msg.OwnerTeamDeleted && r.Msg.Etag == ""
		}},
		{"ids of what it names", element("x", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) {
			e.ObjectiveKind, e.ThematicGoal = pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, elName("goal")
		}), codes.OK, "", func(r *elementRecord) bool {
			return r.parentID == "parent" && r.thematicGoal == "goal" && r.ownerTeamID == "t" && r.Msg.Name == elName("new")
		}},
		{"supports in order", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.Supports = []string{elName("s2"), elName("s1")} }), codes.OK, "",
			func(r *elementRecord) bool { return r.Msg.Supports[0] == elName("s1") }},
		{"supporting its parent", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.Supports = []string{elName("parent")} }), codes.InvalidArgument, "element.supports", nil},
		{"a parent in another organisation", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.Parent = "organisations/p/elements/parent" }), codes.InvalidArgument, "element.parent", nil},
		{"an owner team in another organisation", element("x", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.OwnerTeam = "organisations/p/teams/t" }), codes.InvalidArgument, "element.owner_team", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := newElement("o", "new", tc.in)
			apitest.WantCode(t, err, tc.code, tc.field)
			if tc.want != nil && !tc.want(r) {
				t.Errorf("new element %v", r.Msg)
			}
		})
	}
}

// TestNextElementTable walks the rules of a change from current to next:
// the level is fixed, progress is set by hand only on tactics, and the
// derived fields follow, so that a change of nothing compares equal.
func TestNextElementTable(t *testing.T) {
	strategy := func() *elementRecord {
		return stored(element("s", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) { e.Progress, e.Health = 60, pb.Health_HEALTH_AT_RISK }), 0)
	}
	tactic := func() *elementRecord {
		return stored(element("t", pb.Level_LEVEL_TACTIC, func(e *pb.Element) {
			e.Progress, e.OwnerTeamDeleted, e.Supports = 30, true, []string{elName("s1"), elName("s2")}
		}), 30)
	}
	for _, tc := range []struct {
		name       string
		current    *elementRecord
		change     *pb.Element
		paths      []string
		levelNamed bool
		code       codes.Code
		field      string
		// want checks next; nil: next equals current, as no-op detection
		// compares them.
		want func(r *elementRecord) bool
	}{
		{"the same title", strategy(), &pb.Element{Title: "s"}, []string{"title"}, false, codes.OK, "", nil},
		{"a new title", strategy(), &pb.Element{Title: "new"}, []string{"title"}, false, codes.OK, "",
			func(r *elementRecord) bool {
				return r.Msg.Title == "new" && r.Msg.Progress == 60 && r.Msg.Health == pb.Health_HEALTH_AT_RISK
			}},
		{"the level as it is", strategy(), &pb.Element{Level: pb.Level_LEVEL_STRATEGY}, nil, true, codes.OK, "", nil},
		{"another level", strategy(), &pb.Element{Level: pb.Level_LEVEL_TACTIC}, nil, true, codes.InvalidArgument, "element.level", nil},
		{"another level, not in the mask", strategy(), &pb.Element{Level: pb.Level_LEVEL_TACTIC, Title: "s"}, []string{"title"}, false, codes.OK, "", nil},
		{"progress on a strategy", strategy(), &pb.Element{Progress: 10}, []string{"progress"}, false, codes.InvalidArgument, "element.progress", nil},
		{"a strategy's rolled-up progress sent back", strategy(), &pb.Element{Progress: 60}, []string{"progress"}, false, codes.OK, "", nil},
		{"a whole strategy sent back", strategy(), strategy().Msg, elementType.Updatable(), false, codes.OK, "", nil},
		{"a whole strategy without its progress", strategy(), element("s", pb.Level_LEVEL_STRATEGY, nil), elementType.Updatable(), false, codes.InvalidArgument, "element.progress", nil},
		{"progress on a tactic", tactic(), &pb.Element{Progress: 90}, []string{"progress"}, false, codes.OK, "",
			func(r *elementRecord) bool { return r.Msg.Progress == 90 && r.manualProgress == 90 }},
		{"the same owner team, flagged deleted", tactic(), &pb.Element{OwnerTeam: teamT}, []string{"owner_team"}, false, codes.OK, "", nil},
		{"a new owner team is live", tactic(), &pb.Element{OwnerTeam: teamU}, []string{"owner_team"}, false, codes.OK, "",
			func(r *elementRecord) bool { return !r.Msg.OwnerTeamDeleted && r.ownerTeamID == "u" }},
		{"the same supports in another order", tactic(), &pb.Element{Supports: []string{elName("s2"), elName("s1")}}, []string{"supports"}, false, codes.OK, "", nil},
		{"a move", tactic(), &pb.Element{Parent: elName("other")}, []string{"parent"}, false, codes.OK, "",
			func(r *elementRecord) bool { return r.parentID == "other" }},
		{"a move out of the organisation", tactic(), &pb.Element{Parent: "organisations/p/elements/x"}, []string{"parent"}, false, codes.InvalidArgument, "element.parent", nil},
		{"everything cleared by an empty mask", tactic(), &pb.Element{}, elementType.Updatable(), false, codes.InvalidArgument, "element.parent", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := proto.Clone(tc.current.Msg)
			next, err := nextElement(tc.current, tc.change, tc.paths, tc.levelNamed)
			if !proto.Equal(before, tc.current.Msg) {
				t.Errorf("current changed: %v", tc.current.Msg)
			}
			apitest.WantCode(t, err, tc.code, tc.field)
			switch {
			case err != nil:
			case tc.want == nil && !proto.Equal(next.Msg, tc.current.Msg):
				t.Errorf("a change of nothing: next %v, current %v", next.Msg, tc.current.Msg)
			case tc.want != nil && !tc.want(next):
				t.Errorf("next %v", next.Msg)
			}
		})
	}
}

// TestLinksTable walks the rules between an element and those it names.
func TestLinksTable(t *testing.T) {
	tactic := element("t", pb.Level_LEVEL_TACTIC, func(e *pb.Element) { e.StartDate, e.EndDate = d(2018, 3, 1), d(2018, 3, 31) })
	objective := element("o", pb.Level_LEVEL_OBJECTIVE, func(e *pb.Element) {
		e.ObjectiveKind, e.ThematicGoal = pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, elName("goal")
		e.StartDate, e.EndDate = d(2018, 3, 1), d(2018, 3, 31)
	})
	gone := func(e *pb.Element) { e.DeleteTime = timestamppb.Now() }
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"under a strategy", checkParent(tactic, element("p", pb.Level_LEVEL_STRATEGY, nil)), codes.OK, ""},
		{"under an objective", checkParent(tactic, element("p", pb.Level_LEVEL_OBJECTIVE, nil)), codes.InvalidArgument, "element.parent"},
		{"under a deleted strategy", checkParent(tactic, element("p", pb.Level_LEVEL_STRATEGY, gone)), codes.FailedPrecondition, "element.parent"},
		{"ending after the parent", checkParent(tactic, element("p", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) { e.EndDate = d(2018, 3, 30) })),
			codes.FailedPrecondition, "element.start_date"},
		{"starting before the parent", checkParent(tactic, element("p", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) { e.StartDate = d(2018, 3, 2) })),
			codes.FailedPrecondition, "element.start_date"},
		{"the parent's very horizon", checkParent(tactic, element("p", pb.Level_LEVEL_STRATEGY, func(e *pb.Element) {
			e.StartDate, e.EndDate = d(2018, 3, 1), d(2018, 3, 31)
		})), codes.OK, ""},
		{"supporting a mission", checkParentLevel("element.supports", tactic, element("m", pb.Level_LEVEL_MISSION, nil)), codes.InvalidArgument, "element.supports"},
		{"supporting a deleted strategy", checkParentLevel("element.supports", tactic, element("s", pb.Level_LEVEL_STRATEGY, gone)), codes.FailedPrecondition, "element.supports"},
		{"defining a thematic goal", checkThematicGoal(objective, goal(nil)), codes.OK, ""},
		{"defining a standard objective", checkThematicGoal(objective, element("goal", pb.Level_LEVEL_OBJECTIVE, nil)), codes.InvalidArgument, "element.thematic_goal"},
		{"defining a deleted goal", checkThematicGoal(objective, goal(gone)), codes.FailedPrecondition, "element.thematic_goal"},
		{"outside the goal's horizon", checkThematicGoal(objective, goal(func(e *pb.Element) { e.EndDate = d(2018, 2, 28) })), codes.FailedPrecondition, "element.thematic_goal"},
		{"the team's only goal", checkOneThematicGoal(goal(nil), nil), codes.OK, ""},
		{"the team's second goal", checkOneThematicGoal(goal(nil), goal(nil)), codes.FailedPrecondition, "element.owner_team"},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.err, tc.code, tc.field) })
	}
}

// TestDependantsTable walks which elements depending on an element a
// change must not leave behind, and the answers when one would be.
func TestDependantsTable(t *testing.T) {
	later := func(e *pb.Element) { e.EndDate = d(2019, 12, 31) }
	for _, tc := range []struct {
		name          string
		current, next *pb.Element
		want          []dependants
	}{
		{"a new title", goal(nil), goal(func(e *pb.Element) { e.Title = "new" }), nil},
		{"a strategy's horizon", element("s", pb.Level_LEVEL_STRATEGY, nil), element("s", pb.Level_LEVEL_STRATEGY, later), []dependants{childrenOutside}},
		{"a goal's horizon", goal(nil), goal(later), []dependants{childrenOutside, definingObjectivesOutside}},
		{"a goal no more", goal(nil), element("goal", pb.Level_LEVEL_OBJECTIVE, nil), []dependants{namingDefiningObjectives}},
		{"a goal no more, with a new horizon", goal(nil), element("goal", pb.Level_LEVEL_OBJECTIVE, later),
			[]dependants{namingDefiningObjectives, childrenOutside, definingObjectivesOutside}},
		{"a goal from now on, with a new horizon", element("goal", pb.Level_LEVEL_OBJECTIVE, nil), goal(later), []dependants{childrenOutside}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := dependantsToCheck(tc.current, tc.next)
			if len(got) != len(tc.want) {
				t.Fatalf("dependants to check %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("dependants to check %v, want %v", got, tc.want)
				}
			}
		})
	}
	dependant := element("x", pb.Level_LEVEL_STRATEGY, nil)
	for _, tc := range []struct {
		which dependants
		d     *pb.Element
		code  codes.Code
		field string
	}{
		{namingDefiningObjectives, nil, codes.OK, ""},
		{namingDefiningObjectives, dependant, codes.FailedPrecondition, "element.objective_kind"},
		{childrenOutside, nil, codes.OK, ""},
		{childrenOutside, dependant, codes.FailedPrecondition, "element.start_date"},
		{definingObjectivesOutside, dependant, codes.FailedPrecondition, "element.start_date"},
	} {
		apitest.WantCode(t, checkNoDependant(tc.which, tc.d), tc.code, tc.field)
	}
}

// TestDeleteTable walks the rules of deleting an element.
func TestDeleteTable(t *testing.T) {
	definer := element("d", pb.Level_LEVEL_OBJECTIVE, nil)
	for _, tc := range []struct {
		name        string
		definer     *pb.Element
		descendants int
		force       bool
		code        codes.Code
	}{
		{"a leaf", nil, 0, false, codes.OK},
		{"with children", nil, 2, false, codes.FailedPrecondition},
		{"with children, forced", nil, 2, true, codes.OK},
		{"a goal with defining objectives", definer, 0, false, codes.FailedPrecondition},
		{"a goal with defining objectives, forced", definer, 0, true, codes.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := goal(nil)
			apitest.WantCode(t, checkDelete(g, tc.definer, tc.descendants, tc.force), tc.code, "")
		})
	}
}

// TestContributorPathsTable walks what a contributor may change.
func TestContributorPathsTable(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		code  codes.Code
	}{
		{[]string{"status"}, codes.OK},
		{[]string{"status", "progress"}, codes.OK},
		{[]string{}, codes.OK},
		{[]string{"progress", "title"}, codes.PermissionDenied},
		{elementType.Updatable(), codes.PermissionDenied},
	} {
		apitest.WantCode(t, checkContributorPaths(tc.paths), tc.code, "")
	}
}

// TestRollupTable walks the roll-up rule documented on Element.health and
// Element.progress. Which elements are inputs (live, not dropped; a
// supporter's progress not counted) is the store's: rollup_test.go.
func TestRollupTable(t *testing.T) {
	on, risk, off, unknown := pb.Health_HEALTH_ON_TRACK, pb.Health_HEALTH_AT_RISK, pb.Health_HEALTH_OFF_TRACK, pb.Health_HEALTH_UNKNOWN
	active, done := pb.Status_STATUS_ACTIVE, pb.Status_STATUS_DONE
	for _, tc := range []struct {
		name     string
		level    pb.Level
		status   pb.Status
		manual   int32
		own      pb.Health
		in       inputs
		health   pb.Health
		progress int32
	}{
		{"a tactic without KPIs", pb.Level_LEVEL_TACTIC, active, 40, unknown, inputs{}, unknown, 40},
		{"a tactic with a red KPI", pb.Level_LEVEL_TACTIC, active, 40, off, inputs{}, off, 40},
		{"unspecified own health", pb.Level_LEVEL_TACTIC, active, 0, pb.Health_HEALTH_UNSPECIFIED, inputs{}, unknown, 0},
		{"a strategy without inputs", pb.Level_LEVEL_STRATEGY, active, 0, unknown, inputs{}, unknown, 0},
		{"a done strategy without inputs", pb.Level_LEVEL_STRATEGY, done, 0, unknown, inputs{}, unknown, 100},
		{"the mean of the inputs, rounded", pb.Level_LEVEL_STRATEGY, active, 0, unknown, inputs{count: 2, progressSum: 121, worst: on}, on, 61},
		{"the worst of the inputs", pb.Level_LEVEL_STRATEGY, active, 0, on, inputs{count: 3, worst: risk}, risk, 0},
		{"own health worse than the inputs'", pb.Level_LEVEL_OBJECTIVE, active, 0, off, inputs{count: 1, progressSum: 50, worst: on}, off, 50},
		{"only a supporter: its health, no progress", pb.Level_LEVEL_STRATEGY, done, 0, unknown, inputs{worst: off}, off, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, p := rollup(tc.level, tc.status, tc.manual, tc.own, tc.in)
			if h != tc.health || p != tc.progress {
				t.Errorf("rollup = %v, %d; want %v, %d", h, p, tc.health, tc.progress)
			}
		})
	}
	for s, want := range map[kpipb.KpiStatus]pb.Health{kpipb.KpiStatus_KPI_STATUS_RED: off, kpipb.KpiStatus_KPI_STATUS_AMBER: risk,
		kpipb.KpiStatus_KPI_STATUS_OVERDUE: risk, kpipb.KpiStatus_KPI_STATUS_GREEN: on, kpipb.KpiStatus_KPI_STATUS_UNSPECIFIED: unknown} {
		if got := kpiHealth(s); got != want {
			t.Errorf("kpiHealth(%v) = %v, want %v", s, got, want)
		}
	}
}

// TestDriversTable: the inputs whose health is the element's.
func TestDriversTable(t *testing.T) {
	on, risk, off, unknown := pb.Health_HEALTH_ON_TRACK, pb.Health_HEALTH_AT_RISK, pb.Health_HEALTH_OFF_TRACK, pb.Health_HEALTH_UNKNOWN
	worst := func(h pb.Health, names ...string) inputs {
		in := inputs{worst: h}
		for _, n := range names {
			in.worstOnes = append(in.worstOnes, &pb.HealthDriver{Element: n, Health: h})
		}
		return in
	}
	for _, tc := range []struct {
		name   string
		health pb.Health
		in     inputs
		want   []string
	}{
		{"nothing known", unknown, worst(unknown, "a"), nil},
		{"the worst, by name, each once", off, worst(off, "c", "b", "c"), []string{"b", "c"}},
		{"own KPIs worse than every input", off, worst(risk, "a"), nil},
		{"on track: every input on track", on, worst(on, "b", "a"), []string{"a", "b"}},
		{"at most five", off, worst(off, "f", "e", "d", "c", "b", "a"), []string{"a", "b", "c", "d", "e"}},
	} {
		var got []string
		for _, d := range drivers(tc.health, tc.in) {
			got = append(got, d.Element)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestHorizonHolds: a new horizon holds the bound of the inputs' horizons
// when it starts no later and ends no earlier; no bound holds nothing.
func TestHorizonHolds(t *testing.T) {
	for _, tc := range []struct {
		start, end, boundStart, boundEnd string
		want                             bool
	}{
		{"2020-01-01", "2030-12-31", "", "", true},
		{"2020-01-01", "2030-12-31", "2020-01-01", "2030-12-31", true},
		{"2019-01-01", "2031-12-31", "2020-01-01", "2030-12-31", true},
		{"2020-01-02", "2030-12-31", "2020-01-01", "2030-12-31", false},
		{"2020-01-01", "2030-12-30", "2020-01-01", "2030-12-31", false},
		{"2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", true},
	} {
		if got := horizonHolds(tc.start, tc.end, tc.boundStart, tc.boundEnd); got != tc.want {
			t.Errorf("%s to %s around %q to %q: %v, want %v", tc.start, tc.end, tc.boundStart, tc.boundEnd, got, tc.want)
		}
	}
}

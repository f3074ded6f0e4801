package planning_test

import (
	"fmt"
	"path"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

// plan is the example plan of DESIGN.md: a national management team with
// the thematic goal "Craft Our Culture", regional service directors with
// "Clarify Our Culture", provincial groups with "Put the Train on the
// Tracks" and "Energize!", under one vision and mission.
type plan struct {
	org                             string
	national, regional, east, west  string
	vision, mission                 string
	craft, clarify, train, energize string
	calendar, expectations, sop     string
	strategy, tactic, tactic2       string
}

func (e *env) buildPlan(t *testing.T, orgID string) plan {
	t.Helper()
	p := plan{org: e.org(t, orgID)}
	p.national = e.team(t, p.org, "national", "")
	p.regional = e.team(t, p.org, "regional", p.national)
	p.east = e.team(t, p.org, "east", p.regional)
	p.west = e.team(t, p.org, "west", p.regional)
	mk := func(x el) string { return e.mustCreate(t, p.org, x).Name }
	p.vision = mk(el{id: "vision", level: pb.Level_LEVEL_VISION, title: "A service people trust", team: p.national,
		start: day(2018, 1, 1), end: day(2030, 12, 31), status: pb.Status_STATUS_ACTIVE})
	p.mission = mk(el{id: "mission", level: pb.Level_LEVEL_MISSION, title: "Deliver what we say we are going to do",
		team: p.national, parent: p.vision, start: day(2018, 1, 1), end: day(2025, 12, 31), status: pb.Status_STATUS_ACTIVE})
	goal := func(id, title, team string, rank int32) string {
		return mk(el{id: id, level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL, title: title,
			team: team, parent: p.mission, start: day(2018, 1, 1), end: day(2018, 6, 30), status: pb.Status_STATUS_ACTIVE, rank: rank})
	}
	p.craft = goal("craft", "Craft Our Culture", p.national, 0)
	p.clarify = goal("clarify", "Clarify Our Culture", p.regional, 1)
	p.train = goal("train", "Put the Train on the Tracks", p.east, 2)
	p.energize = goal("energize", "Energize!", p.west, 3)
	p.calendar = mk(el{id: "calendar", level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE,
		title: "A training calendar", team: p.east, parent: p.mission, thematicGoal: p.train, start: day(2018, 1, 1), end: day(2018, 3, 31), rank: 4})
	p.expectations = mk(el{id: "expectations", level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE,
		title: "Consistent training expectations and outcomes", team: p.east, parent: p.mission, thematicGoal: p.train,
		start: day(2018, 2, 1), end: day(2018, 6, 30), rank: 5})
	p.sop = mk(el{id: "sop", level: pb.Level_LEVEL_OBJECTIVE, kind: pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING,
		title: "Customer satisfaction", team: p.national, parent: p.mission, start: day(2018, 1, 1), end: day(2025, 12, 31), rank: 6})
	p.strategy = mk(el{id: "strategy", level: pb.Level_LEVEL_STRATEGY, title: "Train every trainer", team: p.east,
		parent: p.calendar, start: day(2018, 1, 1), end: day(2018, 3, 31)})
	p.tactic = mk(el{id: "tactic", level: pb.Level_LEVEL_TACTIC, title: "Publish the Q1 calendar", team: p.east,
		parent: p.strategy, start: day(2018, 1, 1), end: day(2018, 1, 31), progress: 80, status: pb.Status_STATUS_ACTIVE})
	p.tactic2 = mk(el{id: "tactic2", level: pb.Level_LEVEL_TACTIC, title: "Book the venues", team: p.east,
		parent: p.strategy, start: day(2018, 1, 1), end: day(2018, 2, 28), progress: 40, status: pb.Status_STATUS_ACTIVE})
	return p
}

func names(els []*pb.Element) []string {
	var out []string
	for _, x := range els {
		out = append(out, x.Name)
	}
	return out
}

func (e *env) testScenario(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "scenario")

	th, err := e.elements.GetElementThread(c, &pb.GetElementThreadRequest{Name: p.tactic})
	if err != nil {
		t.Fatal(err)
	}
	// The thread passes through the thematic goal the tactic's objective
	// defines, nearest first, each element once.
	if want := []string{p.tactic, p.strategy, p.calendar, p.mission, p.train, p.vision}; !slices.Equal(names(th.Elements), want) {
		t.Fatalf("thread = %v, want %v", names(th.Elements), want)
	}
	var edges []string
	for _, x := range th.Edges {
		edges = append(edges, fmt.Sprintf("%s>%s %s", path.Base(x.From), path.Base(x.To), x.Kind))
	}
	if want := []string{"tactic>strategy LINK_KIND_PARENT", "strategy>calendar LINK_KIND_PARENT", "calendar>mission LINK_KIND_PARENT",
		"calendar>train LINK_KIND_THEMATIC_GOAL", "mission>vision LINK_KIND_PARENT", "train>mission LINK_KIND_PARENT"}; !slices.Equal(edges, want) {
		t.Errorf("thread edges = %v, want %v", edges, want)
	}

	// Progress rolls up: the strategy is the mean of its tactics (80, 40).
	if s := e.get(t, p.strategy); s.Progress != 60 {
		t.Errorf("strategy progress %d, want 60", s.Progress)
	}
	if s := e.get(t, p.calendar); s.Progress != 60 {
		t.Errorf("objective progress %d, want 60", s.Progress)
	}
	// The thematic goal is the mean of its defining objectives (60, 0).
	if g := e.get(t, p.train); g.Progress != 30 {
		t.Errorf("thematic goal progress %d, want 30", g.Progress)
	}
	// A plain objective, as in a civil-service VMOST, has no kind.
	if _, err := e.create(t, p.org, el{id: "plain", level: pb.Level_LEVEL_OBJECTIVE, title: "Fewer missed visits", team: p.east,
		parent: p.mission, start: day(2018, 1, 1), end: day(2018, 12, 31), rank: 7}); err != nil {
		t.Errorf("a plain objective: %v", err)
	}

	tree, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Roots) != 1 || tree.Roots[0].Element.Name != p.vision {
		t.Fatalf("roots %v", tree.Roots)
	}
	mission := tree.Roots[0].Children[0]
	var titles []string
	for _, o := range mission.Children {
		titles = append(titles, o.Element.Title)
	}
	if len(mission.Children) != 8 || titles[0] != "Craft Our Culture" || titles[3] != "Energize!" {
		t.Fatalf("objectives under the mission: %v", titles)
	}
	total := 0
	var walk func(nodes []*pb.ElementNode)
	walk = func(nodes []*pb.ElementNode) {
		for _, n := range nodes {
			total++
			if n.Element.Health == pb.Health_HEALTH_UNSPECIFIED {
				t.Errorf("%s has no health", n.Element.Name)
			}
			walk(n.Children)
		}
	}
	walk(tree.Roots)
	if total != 13 {
		t.Errorf("tree holds %d elements, want 13", total)
	}

	// Filters keep matches and their ancestors.
	byTeam, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org, OwnerTeam: p.west})
	if err != nil {
		t.Fatal(err)
	}
	if n := byTeam.Roots[0].Children[0].Children; len(n) != 1 || n[0].Element.Name != p.energize {
		t.Errorf("west's tree: %v", byTeam)
	}
	active, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org, ActiveAt: day(2020, 1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if n := active.Roots[0].Children[0].Children; len(n) != 1 || n[0].Element.Name != p.sop {
		t.Errorf("active in 2020: %v", active)
	}
	sub, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org, Root: p.strategy})
	if err != nil || len(sub.Roots) != 1 || len(sub.Roots[0].Children) != 2 {
		t.Fatalf("subtree of the strategy: %v, %v", sub, err)
	}

	report, err := e.elements.GetIntegrityReport(c, &pb.GetIntegrityReportRequest{Parent: p.org})
	if err != nil {
		t.Fatal(err)
	}
	found := map[pb.IntegrityFinding_Kind][]string{}
	for _, f := range report.Findings {
		found[f.Kind] = append(found[f.Kind], f.Element)
	}
	for kind, want := range map[pb.IntegrityFinding_Kind][]string{
		pb.IntegrityFinding_KIND_TACTIC_WITHOUT_KPI: {p.tactic, p.tactic2},
		// A thematic goal with defining objectives has its strategy.
		pb.IntegrityFinding_KIND_OBJECTIVE_WITHOUT_STRATEGY:                {p.clarify, p.craft, p.energize, p.expectations, p.org + "/elements/plain", p.sop},
		pb.IntegrityFinding_KIND_THEMATIC_GOAL_WITHOUT_DEFINING_OBJECTIVES: {p.clarify, p.craft, p.energize},
		// Its horizon ended in 2018; they are not done.
		pb.IntegrityFinding_KIND_DEFINING_OBJECTIVE_PAST_THEMATIC_GOAL: {p.calendar, p.expectations},
	} {
		got := found[kind]
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", kind, got, want)
		}
	}
	// Past their horizon (2018) and still active: the goals and tactics.
	if got := found[pb.IntegrityFinding_KIND_PAST_HORIZON_STILL_ACTIVE]; !slices.Contains(got, p.tactic) || slices.Contains(got, p.vision) {
		t.Errorf("past horizon: %v", got)
	}
}

func (e *env) testReactions(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "reactions")
	if _, err := e.teams.DeleteTeam(c, &teamspb.DeleteTeamRequest{Name: p.west}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "energize not flagged", func() bool { return e.get(t, p.energize).OwnerTeamDeleted })
	report, err := e.elements.GetIntegrityReport(c, &pb.GetIntegrityReportRequest{Parent: p.org})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(report.Findings, func(f *pb.IntegrityFinding) bool {
		return f.Kind == pb.IntegrityFinding_KIND_OWNER_TEAM_DELETED && f.Element == p.energize
	}) {
		t.Errorf("no owner-team-deleted finding: %v", report.Findings)
	}
	if _, err := e.teams.UndeleteTeam(c, &teamspb.UndeleteTeamRequest{Name: p.west}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "energize still flagged", func() bool { return !e.get(t, p.energize).OwnerTeamDeleted })

	// The tactic also serves a second strategy; the organisation's deletion
	// and undeletion keep that link.
	second := e.mustCreate(t, p.org, el{id: "strategy-2", level: pb.Level_LEVEL_STRATEGY, title: "Ask what people need", team: p.east,
		parent: p.sop, start: day(2018, 1, 1), end: day(2018, 12, 31)}).Name
	if _, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: p.tactic, Supports: []string{second}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}}); err != nil {
		t.Fatal(err)
	}
	live := func() int {
		tree, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: p.org})
		if err != nil {
			t.Fatal(err)
		}
		return len(tree.Roots)
	}
	if _, err := e.orgs.DeleteOrganisation(c, &orgpb.DeleteOrganisationRequest{Name: p.org}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the plan of a deleted organisation is still live", func() bool { return live() == 0 })
	if _, err := e.orgs.UndeleteOrganisation(c, &orgpb.UndeleteOrganisationRequest{Name: p.org}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the plan did not come back", func() bool { return live() == 1 })
	if got := e.get(t, p.tactic); got.DeleteTime != nil || got.UpdateActor != "system:planning" || !slices.Equal(got.Supports, []string{second}) {
		t.Errorf("restored tactic %v, want it live, restored by the service and still supporting %s", got, second)
	}
}

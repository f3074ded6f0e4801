package pack

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// Clients are the services a pack is read from.
type Clients struct {
	Organisations orgpb.OrganisationsServiceClient
	People        orgpb.PeopleServiceClient
	Teams         teamspb.TeamsServiceClient
	Elements      planningpb.ElementsServiceClient
	Cycles        planningpb.CyclesServiceClient
	KPIs          kpispb.KpisServiceClient
	Measurements  kpispb.MeasurementsServiceClient
}

// Request says what a pack covers. Organisation is
// `organisations/{organisation}`; Team (its part of the plan) and Cycle
// (a planning cycle's part, a closed one as it ended) are resource names
// or ""; AsOf is the time the plan is read as it stood, nil for now.
type Request struct {
	Organisation, Team, Cycle string
	AsOf                      *timestamppb.Timestamp
}

// defaultPeriod is the period whose changes a pack lists when it names no
// cycle: the quarter (about) up to its day.
const defaultPeriod = 91 * 24 * time.Hour

// Gather reads the pack req asks for, as the caller of ctx: what the
// caller may not read fails the call as the service said.
func Gather(ctx context.Context, c Clients, req Request) (*Pack, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*lookup.Timeout)
	defer cancel()
	org, err := c.Organisations.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: req.Organisation})
	if err != nil {
		return nil, err
	}
	until := time.Now()
	if req.AsOf != nil {
		until = req.AsOf.AsTime()
	}
	p := &Pack{Organisation: org.GetDisplayName(), Generated: time.Now().UTC()}
	from := until.Add(-defaultPeriod)
	teams, err := teamNames(ctx, c, req.Organisation)
	if err != nil {
		return nil, err
	}
	if req.Team != "" {
		if teams[req.Team] == "" {
			return nil, apierr.InvalidArgument("team", "no such team in "+req.Organisation)
		}
		p.Scope = append(p.Scope, "Team: "+teams[req.Team])
	}
	if req.Cycle != "" {
		if !strings.HasPrefix(req.Cycle, req.Organisation+"/cycles/") {
			return nil, apierr.InvalidArgument("cycle", "must be a cycle of "+req.Organisation)
		}
		cycle, err := c.Cycles.GetCycle(ctx, &planningpb.GetCycleRequest{Name: req.Cycle})
		if err != nil {
			return nil, err
		}
		p.Scope = append(p.Scope, fmt.Sprintf("Cycle: %s, %s to %s", cycle.GetDisplayName(), dates.Format(cycle.GetStartDate()), dates.Format(cycle.GetEndDate())))
		from = dates.Time(cycle.GetStartDate())
		if end := dates.Time(cycle.GetEndDate()).AddDate(0, 0, 1); end.Before(until) {
			until = end
		}
	}
	if req.AsOf != nil {
		p.Scope = append(p.Scope, "As it stood at "+until.UTC().Format("2006-01-02 15:04 UTC"))
	}
	tree, err := c.Elements.GetElementTree(ctx, &planningpb.GetElementTreeRequest{Parent: req.Organisation, OwnerTeam: req.Team, Cycle: req.Cycle, AsOf: req.AsOf})
	if err != nil {
		return nil, err
	}
	people, err := peopleNames(ctx, c, req.Organisation)
	if err != nil {
		return nil, err
	}
	shown := map[string]string{}
	// Thematic goals come first among their siblings, each with its
	// defining objectives under it, as a committee reads them.
	var walk func(nodes []*planningpb.ElementNode, depth int)
	walk = func(nodes []*planningpb.ElementNode, depth int) {
		defining := map[string][]*planningpb.ElementNode{}
		var goals, rest []*planningpb.ElementNode
		for _, n := range nodes {
			switch e := n.GetElement(); {
			case e.GetObjectiveKind() == planningpb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL:
				goals = append(goals, n)
			case e.GetThematicGoal() != "" && slices.ContainsFunc(nodes, func(g *planningpb.ElementNode) bool { return g.GetElement().GetName() == e.GetThematicGoal() }):
				defining[e.GetThematicGoal()] = append(defining[e.GetThematicGoal()], n)
			default:
				rest = append(rest, n)
			}
		}
		for _, n := range append(goals, rest...) {
			e := n.GetElement()
			shown[e.GetName()] = e.GetTitle()
			p.Elements = append(p.Elements, elementOf(e, depth, teams, people))
			walk(n.GetChildren(), depth+1)
			walk(defining[e.GetName()], depth+1)
		}
	}
	walk(tree.GetRoots(), 0)
	if err := addKPIs(ctx, c, req, p, shown); err != nil {
		return nil, err
	}
	if from.Before(until) && from.Unix() > 0 {
		p.Period = fmt.Sprintf("from %s to %s", from.UTC().Format(time.DateOnly), until.UTC().Format(time.DateOnly))
		compared, err := c.Elements.CompareElements(ctx, &planningpb.CompareElementsRequest{Parent: req.Organisation,
			FromTime: timestamppb.New(from), ToTime: timestamppb.New(until)})
		if err != nil {
			return nil, err
		}
		p.Changes = changesOf(compared, shown, req.Team == "" && req.Cycle == "")
	}
	return p, nil
}

// elementOf is e as the pack shows it.
func elementOf(e *planningpb.Element, depth int, teams, people map[string]string) Element {
	out := Element{Depth: depth, Level: levelName(e), Title: e.GetTitle(), Description: e.GetDescription(), Facts: [][2]string{
		{"Owner", cmp.Or(teams[e.GetOwnerTeam()], path.Base(e.GetOwnerTeam()))},
		{"Horizon", dates.Format(e.GetStartDate()) + " to " + dates.Format(e.GetEndDate())},
		{"Status", words(e.GetStatus().String(), "STATUS_")},
		{"Health", words(e.GetHealth().String(), "HEALTH_")},
		{"Progress", fmt.Sprintf("%d%%", e.GetProgress())},
	}}
	if ci := e.GetLatestCheckIn(); ci != nil {
		out.CheckIn = &CheckIn{By: cmp.Or(people[ci.GetAuthor()], "an API token"), When: ci.GetCreateTime().AsTime().UTC().Format(time.DateOnly),
			Assessment: words(ci.GetAssessment().String(), "HEALTH_"), Summary: ci.GetSummary(), NextSteps: ci.GetNextSteps(), Blockers: ci.GetBlockers()}
	}
	return out
}

// addKPIs adds the KPIs of the shown elements, with their values.
func addKPIs(ctx context.Context, c Clients, req Request, p *Pack, shown map[string]string) error {
	kpis, err := lookup.All("the KPI service", req.Organisation, func(token string) ([]*kpispb.Kpi, string, error) {
		resp, err := c.KPIs.ListKpis(ctx, &kpispb.ListKpisRequest{Parent: req.Organisation, PageSize: 1000, PageToken: token, AsOf: req.AsOf})
		return resp.GetKpis(), resp.GetNextPageToken(), err
	})
	if err != nil {
		return err
	}
	all := req.Organisation + "/kpis/-"
	ms, err := lookup.All("the KPI service", all, func(token string) ([]*kpispb.Measurement, string, error) {
		resp, err := c.Measurements.ListMeasurements(ctx, &kpispb.ListMeasurementsRequest{Parent: all, PageSize: 1000, PageToken: token, RecordedUntil: req.AsOf})
		return resp.GetMeasurements(), resp.GetNextPageToken(), err
	})
	if err != nil {
		return err
	}
	byKPI := map[string][]*kpispb.Measurement{}
	for _, m := range ms {
		k := m.GetName()[:strings.LastIndex(m.GetName(), "/measurements/")]
		byKPI[k] = append(byKPI[k], m)
	}
	for _, k := range kpis {
		title, ok := shown[k.GetElement()]
		if !ok {
			continue
		}
		out := KPI{Title: k.GetTitle(), Measures: title, Status: words(k.GetStatus().String(), "KPI_STATUS_"), Latest: "No value yet",
			Chart: ChartOf(k, byKPI[k.GetName()])}
		if k.GetLatestPeriodEnd() != nil {
			out.Latest = fmt.Sprintf("%s for %s", value(k.GetLatestValue(), k), dates.Format(k.GetLatestPeriodEnd()))
		}
		var targets []string
		for _, t := range k.GetTargets() {
			targets = append(targets, fmt.Sprintf("%s by %s", value(t.GetValue(), k), dates.Format(t.GetPeriodEnd())))
		}
		out.Target = cmp.Or(strings.Join(targets, "; "), "Bands only")
		p.KPIs = append(p.KPIs, out)
	}
	return nil
}

// changesOf lists a comparison: what was added, removed and changed,
// among the elements shown (or every one, for the whole plan).
func changesOf(c *planningpb.ElementComparison, shown map[string]string, whole bool) []Change {
	var out []Change
	in := func(name string) bool { _, ok := shown[name]; return whole || ok }
	for _, e := range c.GetAdded() {
		if in(e.GetName()) {
			out = append(out, Change{"Added", e.GetTitle(), levelName(e)})
		}
	}
	for _, e := range c.GetRemoved() {
		if whole {
			out = append(out, Change{"Removed", e.GetTitle(), levelName(e)})
		}
	}
	for _, d := range c.GetChanged() {
		if !in(d.GetElement()) {
			continue
		}
		var fields []string
		for _, f := range d.GetChanges() {
			fields = append(fields, fmt.Sprintf("%s: %s → %s", strings.ReplaceAll(f.GetField(), "_", " "), valueText(f.GetField(), f.GetOldValue().AsInterface()), valueText(f.GetField(), f.GetNewValue().AsInterface())))
		}
		out = append(out, Change{"Changed", d.GetTitle(), strings.Join(fields, "; ")})
	}
	return out
}

// valueText is a changed field's value as words.
func valueText(field string, v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		if v == strings.ToUpper(v) && strings.Contains(v, "_") {
			kind := strings.ToUpper(field[strings.LastIndex(field, "_")+1:]) + "_"
			if i := strings.Index(v, kind); i >= 0 {
				return words(v[i:], kind)
			}
		}
		if strings.HasPrefix(v, "organisations/") {
			return path.Base(v)
		}
		return v
	case map[string]any:
		if y, ok := v["year"].(float64); ok {
			return fmt.Sprintf("%04.0f-%02.0f-%02.0f", y, v["month"], v["day"])
		}
	}
	return fmt.Sprint(v)
}

// teamNames are the display names of org's teams, by name.
func teamNames(ctx context.Context, c Clients, org string) (map[string]string, error) {
	teams, err := lookup.All("the teams service", org, func(token string) ([]*teamspb.Team, string, error) {
		resp, err := c.Teams.ListTeams(ctx, &teamspb.ListTeamsRequest{Parent: org, PageSize: 1000, PageToken: token, ShowDeleted: true})
		return resp.GetTeams(), resp.GetNextPageToken(), err
	})
	names := map[string]string{}
	for _, t := range teams {
		names[t.GetName()] = t.GetDisplayName()
	}
	return names, err
}

// peopleNames are the display names of org's people, by name.
func peopleNames(ctx context.Context, c Clients, org string) (map[string]string, error) {
	people, err := lookup.All("the organisations service", org, func(token string) ([]*orgpb.Person, string, error) {
		resp, err := c.People.ListPeople(ctx, &orgpb.ListPeopleRequest{Parent: org, PageSize: 1000, PageToken: token, ShowDeleted: true})
		return resp.GetPeople(), resp.GetNextPageToken(), err
	})
	names := map[string]string{}
	for _, p := range people {
		names[p.GetName()] = p.GetDisplayName()
	}
	return names, err
}

// Package demo holds the example organisations (data.go) and loads them
// through the public gRPC API, as any client would, so that a newcomer
// sees a living strategy map at once.
package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

// Load creates whatever of the example is missing, calling the services on
// conn (whose calls must carry a platform admin's credentials). Every
// resource has a fixed id, so a second Load — after an interrupted one, say
// — completes the example without duplicating anything; measurements are
// recorded only for KPIs that have none. Months count from now's.
func Load(ctx context.Context, conn grpc.ClientConnInterface, now time.Time) error {
	l := loader{
		orgs: orgpb.NewOrganisationsServiceClient(conn), people: orgpb.NewPeopleServiceClient(conn),
		teams: teamspb.NewTeamsServiceClient(conn), members: teamspb.NewMembersServiceClient(conn),
		elements: planningpb.NewElementsServiceClient(conn), kpis: kpispb.NewKpisServiceClient(conn),
		measures: kpispb.NewMeasurementsServiceClient(conn), now: now.UTC(),
	}
	for _, o := range Organisations {
		if err := l.organisation(ctx, o); err != nil {
			return fmt.Errorf("example %s: %w", o.ID, err)
		}
	}
	return nil
}

type loader struct {
	orgs     orgpb.OrganisationsServiceClient
	people   orgpb.PeopleServiceClient
	teams    teamspb.TeamsServiceClient
	members  teamspb.MembersServiceClient
	elements planningpb.ElementsServiceClient
	kpis     kpispb.KpisServiceClient
	measures kpispb.MeasurementsServiceClient
	now      time.Time
}

// created accepts a create call's error when the resource exists already.
func created(err error) error {
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	return err
}

// enum looks a name up in a generated enum's value map.
func enum[E ~int32](values map[string]int32, name string) (E, error) {
	v, ok := values[name]
	if !ok || v == 0 {
		return 0, fmt.Errorf("unknown value %q", name)
	}
	return E(v), nil
}

// month returns the first (end false) or last day of the month n months
// from the current one.
func (l loader) month(n int, end bool) *date.Date {
	d := time.Date(l.now.Year(), l.now.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if end {
		d = d.AddDate(0, 1, -1)
	}
	return &date.Date{Year: int32(d.Year()), Month: int32(d.Month()), Day: int32(d.Day())}
}

func (l loader) organisation(ctx context.Context, o Organisation) error {
	org := "organisations/" + o.ID
	kind, err := enum[orgpb.Organisation_Kind](orgpb.Organisation_Kind_value, o.Kind)
	if err != nil {
		return err
	}
	owners := make([]string, len(o.Owners))
	for i, id := range o.Owners {
		owners[i] = "organisations/" + id
	}
	if _, err := l.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: o.ID,
		Organisation: &orgpb.Organisation{DisplayName: o.Name, Kind: kind, Owners: owners}}); created(err) != nil {
		return fmt.Errorf("organisation: %w", err)
	}
	for _, t := range o.Teams {
		kind, err := enum[teamspb.Team_Kind](teamspb.Team_Kind_value, t.Kind)
		if err != nil {
			return fmt.Errorf("team %s: %w", t.ID, err)
		}
		team := &teamspb.Team{DisplayName: t.Name, Kind: kind, Purpose: t.Purpose}
		if t.Parent != "" {
			team.ParentTeam = org + "/teams/" + t.Parent
		}
		if _, err := l.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: org, TeamId: t.ID, Team: team}); created(err) != nil {
			return fmt.Errorf("team %s: %w", t.ID, err)
		}
	}
	for _, p := range o.People {
		role, err := enum[identitypb.Role](identitypb.Role_value, p.Role)
		if err != nil {
			return fmt.Errorf("person %s: %w", p.ID, err)
		}
		if _, err := l.people.CreatePerson(ctx, &orgpb.CreatePersonRequest{Parent: org, PersonId: p.ID, Person: &orgpb.Person{
			DisplayName: p.Name, Email: p.Email, JobTitle: p.JobTitle, Role: role, ExternalSubject: p.ID}}); created(err) != nil {
			return fmt.Errorf("person %s: %w", p.ID, err)
		}
		for _, m := range []struct {
			teams []string
			role  teamspb.Member_Role
		}{{p.Lead, teamspb.Member_ROLE_LEAD}, {p.Member, teamspb.Member_ROLE_MEMBER}} {
			for _, team := range m.teams {
				if _, err := l.members.CreateMember(ctx, &teamspb.CreateMemberRequest{Parent: org + "/teams/" + team, MemberId: p.ID,
					Member: &teamspb.Member{Person: org + "/people/" + p.ID, Role: m.role}}); created(err) != nil {
					return fmt.Errorf("member %s of %s: %w", p.ID, team, err)
				}
			}
		}
	}
	for _, e := range o.Plan {
		if err := l.element(ctx, org, e); err != nil {
			return fmt.Errorf("element %s: %w", e.ID, err)
		}
	}
	for _, k := range o.KPIs {
		if err := l.kpi(ctx, org, k); err != nil {
			return fmt.Errorf("KPI %s: %w", k.ID, err)
		}
	}
	return nil
}

func (l loader) element(ctx context.Context, org string, e Element) error {
	level, err := enum[planningpb.Level](planningpb.Level_value, "LEVEL_"+e.Level)
	if err != nil {
		return err
	}
	st, err := enum[planningpb.Status](planningpb.Status_value, "STATUS_"+e.Status)
	if err != nil {
		return err
	}
	el := &planningpb.Element{Level: level, Title: e.Title, OwnerTeam: org + "/teams/" + e.Team, Status: st, Progress: e.Progress,
		StartDate: l.month(e.From, false), EndDate: l.month(e.To, true)}
	if e.Kind != "" {
		if el.ObjectiveKind, err = enum[planningpb.ObjectiveKind](planningpb.ObjectiveKind_value, "OBJECTIVE_KIND_"+e.Kind); err != nil {
			return err
		}
	}
	if e.Parent != "" {
		el.Parent = org + "/elements/" + e.Parent
	}
	if e.Goal != "" {
		el.ThematicGoal = org + "/elements/" + e.Goal
	}
	if e.CheckIns != "" {
		if el.CheckInFrequency, err = enum[planningpb.CheckInFrequency](planningpb.CheckInFrequency_value, "CHECK_IN_FREQUENCY_"+e.CheckIns); err != nil {
			return err
		}
	}
	for _, s := range e.Supports {
		owner, id, _ := strings.Cut(s, "/")
		el.Supports = append(el.Supports, "organisations/"+owner+"/elements/"+id)
	}
	_, err = l.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: org, ElementId: e.ID, Element: el})
	return created(err)
}

func (l loader) kpi(ctx context.Context, org string, k KPI) error {
	unit, err := enum[kpispb.Unit](kpispb.Unit_value, k.Unit)
	if err != nil {
		return err
	}
	dir, err := enum[kpispb.Direction](kpispb.Direction_value, k.Direction)
	if err != nil {
		return err
	}
	months := make([]int, 0, len(k.Targets))
	for m := range k.Targets {
		months = append(months, m)
	}
	sort.Ints(months)
	kpi := &kpispb.Kpi{Title: k.Title, Unit: unit, Direction: dir, Frequency: kpispb.Frequency_FREQUENCY_MONTHLY,
		Element: org + "/elements/" + k.Element, OwnerTeam: org + "/teams/" + k.Team, DataSource: k.Source,
		Thresholds: &kpispb.Thresholds{Kind: kpispb.Thresholds_KIND_RELATIVE, GreenWithin: k.Green, AmberWithin: k.Amber}}
	for _, m := range months {
		kpi.Targets = append(kpi.Targets, &kpispb.Target{PeriodEnd: l.month(m, true), Value: k.Targets[m]})
	}
	first := 1 - len(k.Values) // the month of the first value
	if len(k.Values) > 0 {
		kpi.Baseline = &kpispb.Baseline{Value: k.Values[0], Date: l.month(first, true)}
	}
	name := org + "/kpis/" + k.ID
	if _, err := l.kpis.CreateKpi(ctx, &kpispb.CreateKpiRequest{Parent: org, KpiId: k.ID, Kpi: kpi}); created(err) != nil {
		return err
	}
	have, err := l.measures.ListMeasurements(ctx, &kpispb.ListMeasurementsRequest{Parent: name, PageSize: 1, ShowDeleted: true})
	if err != nil {
		return err
	}
	if len(have.GetMeasurements()) > 0 || len(k.Values) == 0 {
		return nil
	}
	batch := &kpispb.BatchCreateMeasurementsRequest{Parent: org}
	for i, v := range k.Values {
		batch.Requests = append(batch.Requests, &kpispb.CreateMeasurementRequest{Parent: name,
			Measurement: &kpispb.Measurement{PeriodEnd: l.month(first+i, true), Value: proto.Float64(v), Source: k.Source}})
	}
	_, err = l.measures.BatchCreateMeasurements(ctx, batch)
	return err
}

package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
)

// The organisation the benchmark works in.
const (
	benchOrg  = "organisations/bench"
	benchTeam = benchOrg + "/teams/ops"
)

// fixture is what setUp made: a thread vision -> tactic, KPIs on the
// tactic, and an organisation API token that may record measurements.
type fixture struct {
	tactic string
	// objective is the thread's objective, under which the create rows
	// make strategies of their own.
	objective string
	// single takes one measurement at a time, thread the values that flip
	// the thread's health, batch the batches.
	single, thread, batchA, batchB string
	token                          string
}

// setUp makes the fixture through the API, as the platform admin.
func setUp(ctx context.Context, conn *grpc.ClientConn, adminToken string) (*fixture, error) {
	ctx, cancel := context.WithTimeout(auth.WithCredential(ctx, adminToken), time.Minute)
	defer cancel()
	// The services start consuming each other's events in the background;
	// the first calls may find a dependency not ready yet.
	var err error
	for range 100 {
		_, err = orgpb.NewOrganisationsServiceClient(conn).CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: "bench",
			Organisation: &orgpb.Organisation{DisplayName: "Benchmark Council", Kind: orgpb.Organisation_KIND_COUNCIL}})
		if status.Code(err) != codes.Unavailable {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("create organisation: %w", err)
	}
	// Teams learn of the organisation from its event: retry until they do.
	for range 100 {
		_, err = teamspb.NewTeamsServiceClient(conn).CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: benchOrg, TeamId: "ops",
			Team: &teamspb.Team{DisplayName: "Operations", Kind: teamspb.Team_KIND_OPERATIONAL}})
		if err == nil || status.Code(err) == codes.AlreadyExists {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("create team: %w", err)
	}
	f := &fixture{}
	parent := ""
	for _, x := range []struct {
		id    string
		level planningpb.Level
	}{{"vision", planningpb.Level_LEVEL_VISION}, {"mission", planningpb.Level_LEVEL_MISSION},
		{"objective", planningpb.Level_LEVEL_OBJECTIVE}, {"strategy", planningpb.Level_LEVEL_STRATEGY},
		{"tactic", planningpb.Level_LEVEL_TACTIC}} {
		el := &planningpb.Element{Level: x.level, Title: "The " + x.id + " of the benchmark plan", OwnerTeam: benchTeam, Parent: parent,
			Description: "An element of ordinary size: a sentence or two saying what it is for and who looks after it.",
			StartDate:   day(2026, 1, 1), EndDate: day(2030, 12, 31), Status: planningpb.Status_STATUS_ACTIVE}
		if x.level == planningpb.Level_LEVEL_OBJECTIVE {
			el.ObjectiveKind = planningpb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING
		}
		var got *planningpb.Element
		for range 100 {
			got, err = planningpb.NewElementsServiceClient(conn).CreateElement(ctx,
				&planningpb.CreateElementRequest{Parent: benchOrg, ElementId: x.id, Element: el})
			if err == nil || status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.NotFound {
				break
			}
			time.Sleep(100 * time.Millisecond) // the planning service has not heard of the team yet
		}
		if err != nil {
			return nil, fmt.Errorf("create element %s: %w", x.id, err)
		}
		parent = got.Name
		if x.level == planningpb.Level_LEVEL_OBJECTIVE {
			f.objective = got.Name
		}
	}
	f.tactic = parent
	for _, k := range []struct {
		id   string
		into *string
	}{{"single", &f.single}, {"thread", &f.thread}, {"batch-a", &f.batchA}, {"batch-b", &f.batchB}} {
		var got *kpipb.Kpi
		for range 100 {
			got, err = kpipb.NewKpisServiceClient(conn).CreateKpi(ctx, &kpipb.CreateKpiRequest{Parent: benchOrg, KpiId: k.id, Kpi: &kpipb.Kpi{
				Title: "Satisfaction " + k.id, Unit: kpipb.Unit_UNIT_PERCENT, Direction: kpipb.Direction_DIRECTION_HIGHER_IS_BETTER,
				Frequency: kpipb.Frequency_FREQUENCY_MONTHLY, Element: f.tactic, OwnerTeam: benchTeam,
				Baseline:   &kpipb.Baseline{Value: 70, Date: day(2025, 12, 31)},
				Targets:    []*kpipb.Target{{PeriodEnd: day(2026, 6, 30), Value: 80}, {PeriodEnd: day(2026, 12, 31), Value: 90}},
				Thresholds: &kpipb.Thresholds{Kind: kpipb.Thresholds_KIND_RELATIVE, GreenWithin: 0, AmberWithin: 5}}})
			if err == nil || status.Code(err) != codes.FailedPrecondition && status.Code(err) != codes.NotFound {
				break
			}
			time.Sleep(100 * time.Millisecond) // the KPI service has not heard of the element yet
		}
		if err != nil {
			return nil, fmt.Errorf("create kpi %s: %w", k.id, err)
		}
		*k.into = got.Name
	}
	tok, err := orgpb.NewAccessServiceClient(conn).CreateApiToken(ctx, &orgpb.CreateApiTokenRequest{Parent: benchOrg,
		ApiToken: &orgpb.ApiToken{DisplayName: "benchmark", Role: identitypb.Role_ROLE_PLANNER}})
	if err != nil {
		return nil, fmt.Errorf("create api token: %w", err)
	}
	f.token = tok.Secret
	return f, nil
}

func day(y, m, d int) *date.Date { return &date.Date{Year: int32(y), Month: int32(m), Day: int32(d)} }

// dayOf is t's date.
func dayOf(t time.Time) *date.Date { return day(t.Year(), int(t.Month()), t.Day()) }

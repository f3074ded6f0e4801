package kpis_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// env runs every service on one port, as the all-in-one does, with the KPI
// database on the engine under test.
type env struct {
	orgs         orgpb.OrganisationsServiceClient
	people       orgpb.PeopleServiceClient
	teams        teamspb.TeamsServiceClient
	members      teamspb.MembersServiceClient
	elements     planningpb.ElementsServiceClient
	kpis         pb.KpisServiceClient
	measurements pb.MeasurementsServiceClient
	db           *sqldb.DB // the KPI database
	addr         string
	auth         *authtest.Env
}

func start(t *testing.T, dsn string, b *broker.Broker) *env {
	t.Helper()
	s := servicetest.Start(t, servicetest.Options{Services: servicetest.All, DSN: map[string]string{"kpis": dsn}, Broker: b})
	e := &env{auth: s.Auth, addr: s.Addr, db: s.DB(t, "kpis")}
	e.connect(t, s.Admin)
	return e
}

func (e *env) connect(t *testing.T, token string) {
	t.Helper()
	conn := servicetest.Dial(t, e.addr, token)
	e.orgs, e.people = orgpb.NewOrganisationsServiceClient(conn), orgpb.NewPeopleServiceClient(conn)
	e.teams, e.members = teamspb.NewTeamsServiceClient(conn), teamspb.NewMembersServiceClient(conn)
	e.elements = planningpb.NewElementsServiceClient(conn)
	e.kpis, e.measurements = pb.NewKpisServiceClient(conn), pb.NewMeasurementsServiceClient(conn)
}

// as returns a copy of e calling with token.
func (e *env) as(t *testing.T, token string) *env {
	c := *e
	c.connect(t, token)
	return &c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func day(y, m, d int32) *date.Date { return &date.Date{Year: y, Month: m, Day: d} }

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// plan is an organisation with a team and a thread vision -> tactic.
type plan struct {
	org, team                                    string
	vision, mission, objective, strategy, tactic string
}

func (e *env) plan(t *testing.T, id string) plan {
	t.Helper()
	c := ctx(t)
	p := plan{org: "organisations/" + id, team: "organisations/" + id + "/teams/ops"}
	if _, err := e.orgs.CreateOrganisation(c, &orgpb.CreateOrganisationRequest{OrganisationId: id,
		Organisation: &orgpb.Organisation{DisplayName: id, Kind: orgpb.Organisation_KIND_COUNCIL}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.teams.CreateTeam(c, &teamspb.CreateTeamRequest{Parent: p.org, TeamId: "ops",
		Team: &teamspb.Team{DisplayName: "Operations", Kind: teamspb.Team_KIND_OPERATIONAL}}); err != nil {
		t.Fatal(err)
	}
	parent := ""
	for _, x := range []struct {
		id    string
		level planningpb.Level
		into  *string
	}{{"vision", planningpb.Level_LEVEL_VISION, &p.vision}, {"mission", planningpb.Level_LEVEL_MISSION, &p.mission},
		{"objective", planningpb.Level_LEVEL_OBJECTIVE, &p.objective}, {"strategy", planningpb.Level_LEVEL_STRATEGY, &p.strategy},
		{"tactic", planningpb.Level_LEVEL_TACTIC, &p.tactic}} {
		el := &planningpb.Element{Level: x.level, Title: x.id, OwnerTeam: p.team, Parent: parent,
			StartDate: day(2026, 1, 1), EndDate: day(2099, 12, 31), Status: planningpb.Status_STATUS_ACTIVE}
		if x.level == planningpb.Level_LEVEL_OBJECTIVE {
			el.ObjectiveKind = planningpb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING
		}
		got, err := e.elements.CreateElement(c, &planningpb.CreateElementRequest{Parent: p.org, ElementId: x.id, Element: el})
		if err != nil {
			t.Fatalf("element %s: %v", x.id, err)
		}
		*x.into, parent = got.Name, got.Name
	}
	return p
}

// satisfaction is a monthly KPI on the tactic: higher is better, 90 by the
// year's end with 80 until June, amber within 5%.
func satisfaction(p plan) *pb.Kpi {
	return &pb.Kpi{Title: "Customer satisfaction", Unit: pb.Unit_UNIT_PERCENT, Direction: pb.Direction_DIRECTION_HIGHER_IS_BETTER,
		Frequency: pb.Frequency_FREQUENCY_MONTHLY, Element: p.tactic, OwnerTeam: p.team,
		Baseline:   &pb.Baseline{Value: 70, Date: day(2025, 12, 31)},
		Targets:    []*pb.Target{{PeriodEnd: day(2026, 12, 31), Value: 90}, {PeriodEnd: day(2026, 6, 30), Value: 80}},
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_RELATIVE, GreenWithin: 0, AmberWithin: 5}}
}

func (e *env) kpi(t *testing.T, p plan, id string) *pb.Kpi {
	t.Helper()
	k, err := e.kpis.CreateKpi(ctx(t), &pb.CreateKpiRequest{Parent: p.org, KpiId: id, Kpi: satisfaction(p)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *env) record(t *testing.T, kpi string, period *date.Date, value float64) *pb.Measurement {
	t.Helper()
	m, err := e.measurements.CreateMeasurement(ctx(t), &pb.CreateMeasurementRequest{Parent: kpi,
		Measurement: &pb.Measurement{PeriodEnd: period, Value: proto.Float64(value)}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) getKpi(t *testing.T, name string) *pb.Kpi {
	t.Helper()
	k, err := e.kpis.GetKpi(ctx(t), &pb.GetKpiRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	apitest.Eventually(t, d, what, cond)
}

func TestKpis(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			e := start(t, dsn, b)
			t.Run("KPI lifecycle and rules", e.testKpiLifecycle)
			t.Run("measurements, corrections and periods", e.testMeasurements)
			t.Run("a red value turns the thread off track within a second", e.testEndToEnd)
			t.Run("batch of 10,000, all or nothing", e.testBatch)
			t.Run("CSV round trip and bad files", e.testCSV)
			t.Run("element and organisation deletions", e.testReactions)
			t.Run("KPIs close with their elements", e.testClosure)
			t.Run("a target change grades the periods after it", e.testTargetVersions)
			t.Run("contributors record for their teams' KPIs", e.testContributors)
			t.Run("concurrent values leave the latest one", e.testConcurrentValues)
		})
	})
}

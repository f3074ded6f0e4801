package planning_test

import (
	"context"
	"path"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// env runs the organisations, teams and planning services on one port, as
// the all-in-one does, with the planning database on the engine under test.
type env struct {
	orgs     orgpb.OrganisationsServiceClient
	people   orgpb.PeopleServiceClient
	teams    teamspb.TeamsServiceClient
	members  teamspb.MembersServiceClient
	elements pb.ElementsServiceClient
	links    pb.LinkRequestsServiceClient
	checkIns pb.CheckInsServiceClient
	comments pb.CommentsServiceClient
	db       *sqldb.DB // the planning database
	dsn      string    // and its DSN
	b        *broker.Broker
	prefix   string
	addr     string
	auth     *authtest.Env
}

func start(t *testing.T, dsn string, b *broker.Broker) *env {
	t.Helper()
	s := servicetest.Start(t, servicetest.Options{Services: []string{"organisations", "teams", "planning"},
		DSN: map[string]string{"planning": dsn}, Broker: b})
	e := &env{b: b, prefix: s.Prefix, auth: s.Auth, dsn: dsn, addr: s.Addr, db: s.DB(t, "planning")}
	e.connect(t, s.Admin)
	return e
}

// connect points e's clients at the services, calling with token.
func (e *env) connect(t *testing.T, token string) {
	t.Helper()
	conn := servicetest.Dial(t, e.addr, token)
	e.orgs, e.people = orgpb.NewOrganisationsServiceClient(conn), orgpb.NewPeopleServiceClient(conn)
	e.teams, e.members = teamspb.NewTeamsServiceClient(conn), teamspb.NewMembersServiceClient(conn)
	e.elements, e.links, e.checkIns = pb.NewElementsServiceClient(conn), pb.NewLinkRequestsServiceClient(conn), pb.NewCheckInsServiceClient(conn)
	e.comments = pb.NewCommentsServiceClient(conn)
}

// as returns a copy of e whose clients call with token.
func (e *env) as(t *testing.T, token string) *env {
	c := *e
	c.connect(t, token)
	return &c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func day(y, m, d int32) *date.Date { return &date.Date{Year: y, Month: m, Day: d} }

func (e *env) org(t *testing.T, id string) string {
	t.Helper()
	o, err := e.orgs.CreateOrganisation(ctx(t), &orgpb.CreateOrganisationRequest{OrganisationId: id,
		Organisation: &orgpb.Organisation{DisplayName: id, Kind: orgpb.Organisation_KIND_AGENCY}})
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}

func (e *env) team(t *testing.T, org, id, parent string) string {
	t.Helper()
	tm, err := e.teams.CreateTeam(ctx(t), &teamspb.CreateTeamRequest{Parent: org, TeamId: id,
		Team: &teamspb.Team{DisplayName: id, Kind: teamspb.Team_KIND_LEADERSHIP, ParentTeam: parent}})
	if err != nil {
		t.Fatalf("team %s: %v", id, err)
	}
	return tm.Name
}

// person adds a person with role to org, who signs in as sub-{id}, and
// returns their name.
func (e *env) person(t *testing.T, org, id string, role identitypb.Role) string {
	t.Helper()
	got, err := e.people.CreatePerson(ctx(t), &orgpb.CreatePersonRequest{Parent: org, PersonId: id, Person: &orgpb.Person{
		DisplayName: id, Email: id + "@" + path.Base(org) + ".example", ExternalSubject: "sub-" + id, Role: role}})
	if err != nil {
		t.Fatal(err)
	}
	return got.Name
}

// el is an element to create: its id and fields.
type el struct {
	id            string
	level         pb.Level
	kind          pb.ObjectiveKind
	title, parent string
	team          string
	start, end    *date.Date
	thematicGoal  string
	progress      int32
	status        pb.Status
	rank          int32
}

func (e *env) create(t *testing.T, org string, x el) (*pb.Element, error) {
	t.Helper()
	return e.elements.CreateElement(ctx(t), &pb.CreateElementRequest{Parent: org, ElementId: x.id, Element: &pb.Element{
		Level: x.level, ObjectiveKind: x.kind, Title: x.title, OwnerTeam: x.team, StartDate: x.start, EndDate: x.end,
		Parent: x.parent, ThematicGoal: x.thematicGoal, Progress: x.progress, Status: x.status, PriorityRank: x.rank,
	}})
}

func (e *env) mustCreate(t *testing.T, org string, x el) *pb.Element {
	t.Helper()
	got, err := e.create(t, org, x)
	if err != nil {
		t.Fatalf("create %s: %v", x.id, err)
	}
	return got
}

func (e *env) get(t *testing.T, name string) *pb.Element {
	t.Helper()
	got, err := e.elements.GetElement(ctx(t), &pb.GetElementRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPlanning(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			e := start(t, dsn, b)
			t.Run("the golden thread scenario", e.testScenario)
			t.Run("every rule, broken once", e.testRules)
			t.Run("KPI status rolls up the thread, once", e.testRollup)
			t.Run("team and organisation deletions", e.testReactions)
			t.Run("delete with and without force", e.testDelete)
			t.Run("contributors update their teams' elements", e.testContributors)
			t.Run("list, paging and filters", e.testList)
			t.Run("two replicas roll up each change once", e.testReplicas)
			t.Run("the thread across organisations", e.testAcrossOrganisations)
			t.Run("roll-up counts follow every write", e.testRollupCounts)
			t.Run("team leads plan within their remit", e.testDelegation)
			t.Run("check-ins", e.testCheckIns)
			t.Run("comments and mentions", e.testComments)
		})
	})
}

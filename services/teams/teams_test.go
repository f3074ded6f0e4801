package teams_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// env runs the organisations and teams services as separate hosts on their
// own ports, sharing a NATS, as operators deploy them; the teams service
// reaches the organisations service over gRPC.
type env struct {
	orgs    orgpb.OrganisationsServiceClient
	people  orgpb.PeopleServiceClient
	teams   pb.TeamsServiceClient
	members pb.MembersServiceClient
	db      *sqldb.DB // the teams database, to check that failures store nothing
	b       *broker.Broker
	prefix  string

	orgDSN, orgAddr string
	teamAddr        string
	stopOrgs        func()
	auth            *authtest.Env
}

func start(t *testing.T, orgDSN, teamDSN string, b *broker.Broker) *env {
	t.Helper()
	e := &env{b: b, prefix: brokertest.Prefix(t, b), orgDSN: orgDSN, auth: authtest.New(t)}
	e.startOrgs(t, "127.0.0.1:0")
	tms := servicetest.Start(t, servicetest.Options{Services: []string{"teams"}, DSN: map[string]string{"teams": teamDSN}, Broker: b,
		Prefix: e.prefix, Auth: e.auth, Elsewhere: map[string]string{"organisations": e.orgAddr}})
	e.db = tms.DB(t, "teams")
	e.teamAddr = tms.Addr
	orgConn, teamConn := servicetest.Dial(t, e.orgAddr, tms.Admin), tms.Dial(t, tms.Admin)
	e.orgs, e.people = orgpb.NewOrganisationsServiceClient(orgConn), orgpb.NewPeopleServiceClient(orgConn)
	e.teams, e.members = pb.NewTeamsServiceClient(teamConn), pb.NewMembersServiceClient(teamConn)
	return e
}

// startOrgs (re)starts the organisations service, as a host of its own, on
// addr.
func (e *env) startOrgs(t *testing.T, addr string) {
	t.Helper()
	orgs := servicetest.Start(t, servicetest.Options{Services: []string{"organisations"}, DSN: map[string]string{"organisations": e.orgDSN},
		Broker: e.b, Prefix: e.prefix, Auth: e.auth, Addr: addr})
	e.orgAddr, e.stopOrgs = orgs.Addr, orgs.Stop
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

func (e *env) newOrg(t *testing.T, id string) string {
	t.Helper()
	o, err := e.orgs.CreateOrganisation(ctx(t), &orgpb.CreateOrganisationRequest{OrganisationId: id,
		Organisation: &orgpb.Organisation{DisplayName: id, Kind: orgpb.Organisation_KIND_AGENCY}})
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}

func (e *env) newTeam(t *testing.T, org, id, parent string) *pb.Team {
	t.Helper()
	team, err := e.teams.CreateTeam(ctx(t), &pb.CreateTeamRequest{Parent: org, TeamId: id,
		Team: &pb.Team{DisplayName: id, Kind: pb.Team_KIND_LEADERSHIP, ParentTeam: parent}})
	if err != nil {
		t.Fatalf("create team %s: %v", id, err)
	}
	return team
}

func (e *env) newPerson(t *testing.T, org, id string) string {
	t.Helper()
	p, err := e.people.CreatePerson(ctx(t), &orgpb.CreatePersonRequest{Parent: org, PersonId: id,
		Person: &orgpb.Person{DisplayName: id, Email: id + "@example.org"}})
	if err != nil {
		t.Fatalf("create person %s: %v", id, err)
	}
	return p.Name
}

func (e *env) listTeams(t *testing.T, req *pb.ListTeamsRequest) []string {
	t.Helper()
	var names []string
	for {
		resp, err := e.teams.ListTeams(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range resp.Teams {
			names = append(names, tm.Name)
		}
		if resp.NextPageToken == "" {
			return names
		}
		req.PageToken = resp.NextPageToken
	}
}

func TestTeams(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			orgDSN := sqldbtest.SQLiteDSN(t)
			e := start(t, orgDSN, dsn, b)
			t.Run("tree", e.testTree)
			t.Run("tree rules", e.testTreeRules)
			t.Run("bad input changes nothing", e.testBadInput)
			t.Run("organisation checked over gRPC", e.testOrganisationChecked)
			t.Run("organisation deletion cascades, once", e.testCascade)
			t.Run("members", e.testMembers)
			t.Run("access changes reach the teams service at once", e.testAccessChanges)
			t.Run("organisations service down", e.testOrganisationsDown)
		})
	})
}

// testAccessChanges: the teams service, on a host of its own, caches what
// the organisations service says of a caller; a role taken away there
// empties that cache, so the caller is refused at once rather than after
// auth.CacheTTL.
func (e *env) testAccessChanges(t *testing.T) {
	org := e.newOrg(t, "forgetful")
	team := e.newTeam(t, org, "t", "")
	fay, err := e.people.CreatePerson(ctx(t), &orgpb.CreatePersonRequest{Parent: org, PersonId: "fay",
		Person: &orgpb.Person{DisplayName: "Fay", Email: "fay@example.org", ExternalSubject: "fay-sub", Role: identitypb.Role_ROLE_VIEWER}})
	if err != nil {
		t.Fatal(err)
	}
	asFay := pb.NewTeamsServiceClient(servicetest.Dial(t, e.teamAddr, e.auth.Token(t, "fay-sub")))
	if _, err := asFay.GetTeam(ctx(t), &pb.GetTeamRequest{Name: team.Name}); err != nil {
		t.Fatalf("a viewer reads a team: %v", err)
	}
	if _, err := e.people.UpdatePerson(ctx(t), &orgpb.UpdatePersonRequest{Person: &orgpb.Person{Name: fay.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}}); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 5*time.Second, "the teams service still lets a caller without a role read", func() bool {
		_, err := asFay.GetTeam(ctx(t), &pb.GetTeamRequest{Name: team.Name})
		return status.Code(err) == codes.NotFound
	})
}

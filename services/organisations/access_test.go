package organisations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

func TestAccess(t *testing.T) {
	runSuite(t, []suiteTest{
		{"API tokens work until revoked and are stored hashed", (*env).testTokenLifecycle},
		{"expired API tokens fail", (*env).testTokenExpiry},
		{"platform tokens are for platform admins", (*env).testPlatformTokens},
		{"roles are data and take effect at once", (*env).testRoleChanges},
		{"changes record their actor", (*env).testActors},
		{"owners read what they own, without contact details", (*env).testOwnersRead},
	})
}

// as returns clients calling the service with token.
func (e *env) as(t *testing.T, token string) (pb.OrganisationsServiceClient, pb.PeopleServiceClient, pb.AccessServiceClient) {
	t.Helper()
	conn := servicetest.Dial(t, e.addr, token)
	return pb.NewOrganisationsServiceClient(conn), pb.NewPeopleServiceClient(conn), pb.NewAccessServiceClient(conn)
}

func (e *env) access(t *testing.T) pb.AccessServiceClient {
	_, _, a := e.as(t, e.auth.Token(t, authtest.PlatformAdmin))
	return a
}

func (e *env) testTokenLifecycle(t *testing.T) {
	c := ctx(t)
	if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "tokens", Organisation: council("Tokens")}); err != nil {
		t.Fatal(err)
	}
	created, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{Parent: "organisations/tokens",
		ApiToken: &pb.ApiToken{DisplayName: "reporting robot", Role: identitypb.Role_ROLE_VIEWER}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Secret, "gt_") || created.ApiToken.CreateActor != "user:"+authtest.PlatformAdmin {
		t.Fatalf("created %v", created)
	}

	orgs, _, _ := e.as(t, created.Secret)
	if _, err := orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/tokens"}); err != nil {
		t.Fatalf("viewer token cannot read: %v", err)
	}
	_, err = orgs.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: "organisations/tokens", Description: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	caller, err := identitypb.NewCallerServiceClient(servicetest.Dial(t, e.addr, created.Secret)).GetCaller(c, &identitypb.GetCallerRequest{})
	if err != nil || caller.Subject != "token:"+created.ApiToken.Name || len(caller.Grants) != 1 || caller.Grants[0].Role != identitypb.Role_ROLE_VIEWER {
		t.Fatalf("GetCaller = %v, %v", caller, err)
	}

	// Only a hash is stored: the secret appears nowhere in the table.
	var stored string
	if err := e.db.QueryRowContext(c, "SELECT secret_hash FROM api_tokens WHERE id = ?", strings.TrimPrefix(created.ApiToken.Name, "organisations/tokens/apiTokens/")).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	_, secret, _ := strings.Cut(created.Secret, ".")
	if stored == "" || strings.Contains(stored, secret) || strings.Contains(created.Secret, stored) {
		t.Fatalf("stored form %q reveals the token", stored)
	}
	listed, err := e.access(t).ListApiTokens(c, &pb.ListApiTokensRequest{Parent: "organisations/tokens"})
	if err != nil || len(listed.ApiTokens) != 1 || strings.Contains(listed.String(), secret) {
		t.Fatalf("list = %v, %v", listed, err)
	}

	if _, err := e.access(t).DeleteApiToken(c, &pb.DeleteApiTokenRequest{Name: created.ApiToken.Name}); err != nil {
		t.Fatal(err)
	}
	_, err = orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/tokens"})
	apitest.WantCode(t, err, codes.Unauthenticated, "")
	// A made-up secret for a real token id fails too.
	forged := created.Secret[:len(created.Secret)-4] + "AAAA"
	forgedOrgs, _, _ := e.as(t, forged)
	_, err = forgedOrgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/tokens"})
	apitest.WantCode(t, err, codes.Unauthenticated, "")
}

func (e *env) testTokenExpiry(t *testing.T) {
	c := ctx(t)
	_, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{ApiToken: &pb.ApiToken{DisplayName: "old",
		ExpireTime: timestamppb.New(time.Now().Add(-time.Second))}})
	apitest.WantCode(t, err, codes.InvalidArgument, "api_token.expire_time")
	short, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{ApiToken: &pb.ApiToken{DisplayName: "short",
		ExpireTime: timestamppb.New(time.Now().Add(time.Second))}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, _, _ := e.as(t, short.Secret)
	if _, err := orgs.ListOrganisations(c, &pb.ListOrganisationsRequest{}); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	_, err = orgs.ListOrganisations(c, &pb.ListOrganisationsRequest{})
	apitest.WantCode(t, err, codes.Unauthenticated, "")
}

func (e *env) testPlatformTokens(t *testing.T) {
	c := ctx(t)
	if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "platform-test", Organisation: council("P")}); err != nil {
		t.Fatal(err)
	}
	orgAdmin, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{Parent: "organisations/platform-test",
		ApiToken: &pb.ApiToken{DisplayName: "org admin", Role: identitypb.Role_ROLE_ADMIN}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, _, access := e.as(t, orgAdmin.Secret)
	_, err = access.CreateApiToken(c, &pb.CreateApiTokenRequest{ApiToken: &pb.ApiToken{DisplayName: "escalate"}})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	_, err = orgs.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: council("Mine")})
	apitest.WantCode(t, err, codes.PermissionDenied, "")

	platform, err := e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{ApiToken: &pb.ApiToken{DisplayName: "ops"}})
	if err != nil || platform.ApiToken.Name == "" || !strings.HasPrefix(platform.ApiToken.Name, "apiTokens/") {
		t.Fatalf("platform token = %v, %v", platform, err)
	}
	orgs, _, _ = e.as(t, platform.Secret)
	if _, err := orgs.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: council("By platform token")}); err != nil {
		t.Fatalf("platform token cannot create organisations: %v", err)
	}
	_, err = e.access(t).CreateApiToken(c, &pb.CreateApiTokenRequest{Parent: "organisations/platform-test",
		ApiToken: &pb.ApiToken{DisplayName: "no role"}})
	apitest.WantCode(t, err, codes.InvalidArgument, "api_token.role")
}

func (e *env) testRoleChanges(t *testing.T) {
	c := ctx(t)
	if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "roles", Organisation: council("Roles")}); err != nil {
		t.Fatal(err)
	}
	ana, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: "organisations/roles", PersonId: "ana",
		Person: &pb.Person{DisplayName: "Ana", Email: "ana@roles.example", ExternalSubject: "ana-sub", Role: identitypb.Role_ROLE_VIEWER}})
	if err != nil {
		t.Fatal(err)
	}
	orgs, _, _ := e.as(t, e.auth.Token(t, "ana-sub"))
	update := func() error {
		_, err := orgs.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: "organisations/roles", Description: time.Now().String()},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
		return err
	}
	apitest.WantCode(t, update(), codes.PermissionDenied, "")
	if _, err := e.people.UpdatePerson(c, &pb.UpdatePersonRequest{Person: &pb.Person{Name: ana.Name, Role: identitypb.Role_ROLE_ADMIN},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}}); err != nil {
		t.Fatal(err)
	}
	if err := update(); err != nil {
		t.Fatalf("after promotion to admin: %v", err)
	}
	if _, err := e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: ana.Name}); err != nil {
		t.Fatal(err)
	}
	_, err = orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/roles"})
	apitest.WantCode(t, err, codes.NotFound, "organisations/roles")
}

func (e *env) testActors(t *testing.T) {
	c := ctx(t)
	if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "actors", Organisation: council("Actors")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: "organisations/actors", PersonId: "bo",
		Person: &pb.Person{DisplayName: "Bo", Email: "bo@actors.example", ExternalSubject: "bo-sub", Role: identitypb.Role_ROLE_ADMIN}}); err != nil {
		t.Fatal(err)
	}
	orgs, _, _ := e.as(t, e.auth.Token(t, "bo-sub"))
	updated, err := orgs.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: "organisations/actors", Description: "by Bo"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	if err != nil || updated.UpdateActor != "user:bo-sub" {
		t.Fatalf("update = %v, %v; want update_actor user:bo-sub", updated, err)
	}
	// The event carries the resource, and so the actor.
	apitest.Eventually(t, 10*time.Second, "no update event by Bo", func() bool {
		for _, ev := range e.allEvents(t) {
			var u pb.OrganisationUpdated
			if ev.Subject == "organisations/actors" && ev.Type == string(proto.MessageName(&u)) &&
				proto.Unmarshal(ev.Data, &u) == nil && u.Organisation.UpdateActor == "user:bo-sub" {
				return true
			}
		}
		return false
	})
}

// allEvents reads every event on the service's stream so far.
func (e *env) allEvents(t *testing.T) []events.Event {
	t.Helper()
	s, err := e.js.Stream(context.Background(), e.stream)
	if err != nil {
		return nil
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			continue
		}
		if ev, err := events.FromMsg(m.Subject, m.Header, m.Data); err == nil {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) testOwnersRead(t *testing.T) {
	c := ctx(t)
	for _, o := range []struct{ id, name string }{{"own-council", "Owning council"}, {"own-stranger", "Another council"}} {
		if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: o.id, Organisation: council(o.name)}); err != nil {
			t.Fatal(err)
		}
	}
	company, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "own-company",
		Organisation: &pb.Organisation{DisplayName: "Company", Kind: pb.Organisation_KIND_SHARED_SERVICE_COMPANY, Owners: []string{"organisations/own-council"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ org, id, sub string }{{"own-council", "cora", "cora-sub"}, {"own-stranger", "eve", "eve-sub"}, {"own-company", "dan", "dan-sub"}} {
		if _, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: "organisations/" + p.org, PersonId: p.id,
			Person: &pb.Person{DisplayName: p.id, Email: p.id + "@own.example", ExternalSubject: p.sub, JobTitle: "Officer", Role: identitypb.Role_ROLE_ADMIN}}); err != nil {
			t.Fatal(err)
		}
	}
	cora := servicetest.Dial(t, e.addr, e.auth.Token(t, "cora-sub"))
	orgs, people := pb.NewOrganisationsServiceClient(cora), pb.NewPeopleServiceClient(cora)

	// An admin of the owner is a viewer of the owned company.
	if _, err := orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: company.Name}); err != nil {
		t.Fatalf("the owner's admin cannot read the company: %v", err)
	}
	caller, err := identitypb.NewCallerServiceClient(cora).GetCaller(c, &identitypb.GetCallerRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var through *identitypb.Grant
	for _, g := range caller.Grants {
		if g.Organisation == company.Name {
			through = g
		}
	}
	if through == nil || through.Role != identitypb.Role_ROLE_VIEWER || through.ThroughOwner != "organisations/own-council" || through.Person != "" {
		t.Fatalf("grant in the company = %v; want VIEWER through organisations/own-council", through)
	}
	_, err = orgs.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: company.Name, Description: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	list, err := orgs.ListOrganisations(c, &pb.ListOrganisationsRequest{})
	if err != nil || len(list.Organisations) != 2 {
		t.Fatalf("ListOrganisations = %v, %v; want the council and the company", list, err)
	}

	// People's names, not how to reach them: not in answers, nor by filter or order.
	dan, err := people.GetPerson(c, &pb.GetPersonRequest{Name: "organisations/own-company/people/dan"})
	if err != nil || dan.DisplayName != "dan" || dan.JobTitle != "Officer" || dan.Email != "" || dan.ExternalSubject != "" {
		t.Fatalf("GetPerson through the owner = %v, %v; want the name and job title only", dan, err)
	}
	listed, err := people.ListPeople(c, &pb.ListPeopleRequest{Parent: company.Name})
	if err != nil || len(listed.People) != 1 || listed.People[0].Email != "" || listed.People[0].ExternalSubject != "" {
		t.Fatalf("ListPeople through the owner = %v, %v", listed, err)
	}
	_, err = people.ListPeople(c, &pb.ListPeopleRequest{Parent: company.Name, Filter: `email = "dan@own.example"`})
	apitest.WantCode(t, err, codes.InvalidArgument, "filter")
	_, err = people.ListPeople(c, &pb.ListPeopleRequest{Parent: company.Name, OrderBy: "email"})
	apitest.WantCode(t, err, codes.InvalidArgument, "order_by")
	// The company's own people still see everything.
	mine, err := pb.NewPeopleServiceClient(servicetest.Dial(t, e.addr, e.auth.Token(t, "dan-sub"))).GetPerson(c, &pb.GetPersonRequest{Name: "organisations/own-company/people/dan"})
	if err != nil || mine.Email != "dan@own.example" {
		t.Fatalf("GetPerson in one's own organisation = %v, %v", mine, err)
	}

	// An organisation that does not own the company sees nothing of it.
	_, err = pb.NewOrganisationsServiceClient(servicetest.Dial(t, e.addr, e.auth.Token(t, "eve-sub"))).GetOrganisation(c, &pb.GetOrganisationRequest{Name: company.Name})
	apitest.WantCode(t, err, codes.NotFound, company.Name)

	// Ownership ends at once.
	if _, err := e.client.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: company.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owners"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: company.Name})
	apitest.WantCode(t, err, codes.NotFound, company.Name)
}

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
		ApiToken: &pb.ApiToken{DisplayName: "reporting robot", Role: pb.Role_ROLE_VIEWER}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Secret, "gt_") || created.ApiToken.CreateActor != "user:"+authtest.PlatformAdmin {
		t.Fatalf("created %v", created)
	}

	orgs, _, access := e.as(t, created.Secret)
	if _, err := orgs.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/tokens"}); err != nil {
		t.Fatalf("viewer token cannot read: %v", err)
	}
	_, err = orgs.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: "organisations/tokens", Description: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	apitest.WantCode(t, err, codes.PermissionDenied, "")
	caller, err := access.GetCaller(c, &pb.GetCallerRequest{})
	if err != nil || caller.Subject != "token:"+created.ApiToken.Name || len(caller.Grants) != 1 || caller.Grants[0].Role != pb.Role_ROLE_VIEWER {
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
		ApiToken: &pb.ApiToken{DisplayName: "org admin", Role: pb.Role_ROLE_ADMIN}})
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
		Person: &pb.Person{DisplayName: "Ana", Email: "ana@roles.example", ExternalSubject: "ana-sub", Role: pb.Role_ROLE_VIEWER}})
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
	if _, err := e.people.UpdatePerson(c, &pb.UpdatePersonRequest{Person: &pb.Person{Name: ana.Name, Role: pb.Role_ROLE_ADMIN},
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
		Person: &pb.Person{DisplayName: "Bo", Email: "bo@actors.example", ExternalSubject: "bo-sub", Role: pb.Role_ROLE_ADMIN}}); err != nil {
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

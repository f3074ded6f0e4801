package organisations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// env is a running organisations service reached over a real gRPC
// connection, with its database and NATS.
type env struct {
	client pb.OrganisationsServiceClient
	people pb.PeopleServiceClient
	db     *sqldb.DB
	js     jetstream.JetStream
	stream string
	prefix string
	// auth issues tokens the service accepts; addr is where it listens, to
	// call it as someone else than the platform admin.
	auth *authtest.Env
	addr string
}

func start(t *testing.T, dsn string, b *broker.Broker) *env {
	t.Helper()
	s := servicetest.Start(t, servicetest.Options{Services: []string{"organisations"}, DSN: map[string]string{"organisations": dsn}, Broker: b})
	conn := s.Dial(t, s.Admin)
	return &env{client: pb.NewOrganisationsServiceClient(conn), people: pb.NewPeopleServiceClient(conn), db: s.DB(t, "organisations"), js: b.JS,
		stream: s.Stream("organisations"), prefix: s.Prefix, auth: s.Auth, addr: s.Addr}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func council(name string) *pb.Organisation {
	return &pb.Organisation{DisplayName: name, Kind: pb.Organisation_KIND_COUNCIL}
}

func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// streamEvents waits for want events on the service's stream and returns them.
func (e *env) streamEvents(t *testing.T, want int) []events.Event {
	t.Helper()
	c := ctx(t)
	var s jetstream.Stream
	for {
		var info *jetstream.StreamInfo
		var err error
		if s, err = e.js.Stream(c, e.stream); err == nil {
			info, err = s.Info(c)
		}
		if err == nil && info.State.Msgs >= uint64(want) {
			break
		}
		if c.Err() != nil {
			t.Fatalf("want %d events on %s: %v", want, e.stream, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would show up now
	info, _ := s.Info(c)
	var out []events.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(c, seq)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := events.FromMsg(m.Subject, m.Header, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	if len(out) != want {
		t.Fatalf("%d events on the stream, want %d", len(out), want)
	}
	return out
}

func TestOrganisations(t *testing.T) {
	runSuite(t, []suiteTest{
		{"lifecycle", (*env).testLifecycle},
		{"owners", (*env).testOwners},
		{"request_id makes create idempotent", (*env).testIdempotentCreate},
		{"list paging, filter and order", (*env).testList},
		{"bad input changes nothing", (*env).testBadInput},
		{"concurrent updates with one etag", (*env).testConcurrentUpdates},
	})
}

func (e *env) testLifecycle(t *testing.T) {
	c := ctx(t)
	created, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{
		OrganisationId: "north-council",
		Organisation:   &pb.Organisation{DisplayName: "North Council", Kind: pb.Organisation_KIND_COUNCIL, Website: "https://north.example", Description: "A council"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Name != "organisations/north-council" || created.Etag == "" || created.CreateTime == nil || created.DeleteTime != nil {
		t.Fatalf("created %v", created)
	}
	updated, deleted, restored := e.organisationsAPI().checkLifecycle(t, created, "North County Council")
	if updated.Website != created.Website || updated.Description != created.Description {
		t.Errorf("updating display_name changed other fields: %v", updated)
	}
	_, err = e.client.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/nobody"})
	apitest.WantCode(t, err, codes.NotFound, "")
	e.checkEvents(t, e.streamEvents(t, 4), created, updated, deleted, restored)
}

func (e *env) listNames(t *testing.T, req *pb.ListOrganisationsRequest) []string {
	t.Helper()
	return allPages(t, func(token string) ([]string, string, error) {
		req := proto.CloneOf(req)
		req.PageToken = token
		resp, err := e.client.ListOrganisations(ctx(t), req)
		return names(resp.GetOrganisations()), resp.GetNextPageToken(), err
	})
}

// allPages follows next_page_token from the first page to the last and
// returns the names list gave on every page.
func allPages(t *testing.T, list func(pageToken string) (names []string, next string, err error)) []string {
	t.Helper()
	var all []string
	token := ""
	for {
		page, next, err := list(token)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		token = next
	}
}

// names returns the names of resources.
func names[M interface{ GetName() string }](resources []M) []string {
	out := make([]string, len(resources))
	for i, r := range resources {
		out[i] = r.GetName()
	}
	return out
}

func (e *env) testOwners(t *testing.T) {
	c := ctx(t)
	var owners []string
	for _, id := range []string{"west", "east", "south"} {
		o, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: id + "-council", Organisation: council(id)})
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, o.Name)
	}
	shared := &pb.Organisation{DisplayName: "Shared Services Ltd", Kind: pb.Organisation_KIND_SHARED_SERVICE_COMPANY, Owners: owners}
	got, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "shared", Organisation: shared})
	if err != nil || len(got.Owners) != 3 {
		t.Fatalf("create with owners = %v, %v", got, err)
	}
	_, err = e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		DisplayName: "x", Kind: pb.Organisation_KIND_OTHER, Owners: []string{"organisations/ghost"}}})
	apitest.WantCode(t, err, codes.InvalidArgument, "organisation.owners")
	_, err = e.client.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{
		Organisation: &pb.Organisation{Name: "organisations/shared", Owners: []string{"organisations/shared"}},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"owners"}}})
	apitest.WantCode(t, err, codes.InvalidArgument, "organisation.owners")
}

func (e *env) testIdempotentCreate(t *testing.T) {
	req := &pb.CreateOrganisationRequest{Organisation: council("Retry Council"), RequestId: "req-123"}
	e.checkIdempotent(t, func(c context.Context) (proto.Message, error) { return e.client.CreateOrganisation(c, req) })
}

func (e *env) testList(t *testing.T) {
	c := ctx(t)
	for i := range 25 {
		kind := pb.Organisation_KIND_AGENCY
		if i%5 == 0 {
			kind = pb.Organisation_KIND_DEPARTMENT
		}
		if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{
			OrganisationId: fmt.Sprintf("listed-%02d", i),
			Organisation:   &pb.Organisation{DisplayName: fmt.Sprintf("Listed %02d", i), Kind: kind},
		}); err != nil {
			t.Fatal(err)
		}
	}
	req := &pb.ListOrganisationsRequest{PageSize: 10, Filter: `display_name:"listed"`, OrderBy: "display_name desc"}
	names := e.listNames(t, req)
	if len(names) != 25 || names[0] != "organisations/listed-24" || names[24] != "organisations/listed-00" {
		t.Fatalf("paged list = %v", names)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Fatalf("%s listed twice", n)
		}
		seen[n] = true
	}
	if names := e.listNames(t, &pb.ListOrganisationsRequest{Filter: `kind = KIND_DEPARTMENT AND display_name:"listed"`}); len(names) != 5 {
		t.Fatalf("kind filter = %v", names)
	}
	if names := e.listNames(t, &pb.ListOrganisationsRequest{Filter: `display_name = "LISTED 07"`}); len(names) != 1 || names[0] != "organisations/listed-07" {
		t.Fatalf("equality filter = %v", names)
	}
	first, err := e.client.ListOrganisations(c, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{PageSize: 10, PageToken: first.NextPageToken, OrderBy: "display_name"})
	apitest.WantCode(t, err, codes.InvalidArgument, "page_token")
}

func (e *env) testBadInput(t *testing.T) {
	c := ctx(t)
	if _, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: "taken", Organisation: council("Taken")}); err != nil {
		t.Fatal(err)
	}
	taken, _ := e.client.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/taken"})
	check := e.unchanged(t, "organisations", func() proto.Message {
		got, _ := e.client.GetOrganisation(c, &pb.GetOrganisationRequest{Name: taken.Name})
		return got
	})

	long := strings.Repeat("x", 201)
	runBadCases(t, append([]badCase{
		{"empty display name", func() error { return create(c, e, "", council("")) }, codes.InvalidArgument, "organisation.display_name"},
		{"blank display name", func() error { return create(c, e, "", council("   ")) }, codes.InvalidArgument, "organisation.display_name"},
		{"over-long display name", func() error { return create(c, e, "", council(long)) }, codes.InvalidArgument, "organisation.display_name"},
		{"missing kind", func() error { return create(c, e, "", &pb.Organisation{DisplayName: "x"}) }, codes.InvalidArgument, "organisation.kind"},
		{"undefined kind", func() error { return create(c, e, "", &pb.Organisation{DisplayName: "x", Kind: 99}) }, codes.InvalidArgument, "organisation.kind"},
		{"bad website", func() error {
			return create(c, e, "", &pb.Organisation{DisplayName: "x", Kind: 1, Website: "ftp://x"})
		}, codes.InvalidArgument, "organisation.website"},
		{"missing organisation", func() error {
			_, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{})
			return err
		}, codes.InvalidArgument, "organisation"},
		{"bad id", func() error { return create(c, e, "Bad_Id", council("x")) }, codes.InvalidArgument, "organisation_id"},
		{"duplicate id", func() error { return create(c, e, "taken", council("x")) }, codes.AlreadyExists, ""},
		{"invalid resource name", func() error {
			_, err := e.client.GetOrganisation(c, &pb.GetOrganisationRequest{Name: "organisations/Bad"})
			return err
		}, codes.InvalidArgument, "name"},
		{"bad filter", func() error {
			_, err := e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{Filter: "colour = red"})
			return err
		}, codes.InvalidArgument, "filter"},
		{"bad order_by", func() error {
			_, err := e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{OrderBy: "website"})
			return err
		}, codes.InvalidArgument, "order_by"},
		{"unknown update_mask path", func() error { return update(c, e, &pb.Organisation{Name: taken.Name}, "colour") }, codes.InvalidArgument, "update_mask"},
		{"output-only update_mask path is ignored", func() error {
			return update(c, e, &pb.Organisation{Name: taken.Name, CreateTime: timestamppb.Now()}, "create_time")
		}, codes.OK, ""},
		{"update to empty display name", func() error {
			return update(c, e, &pb.Organisation{Name: taken.Name}, "display_name")
		}, codes.InvalidArgument, "organisation.display_name"},
		{"update without organisation", func() error {
			_, err := e.client.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{})
			return err
		}, codes.InvalidArgument, "organisation"},
		{"update with bad name", func() error { return update(c, e, &pb.Organisation{Name: "teams/x"}, "display_name") }, codes.InvalidArgument, "organisation.name"},
		{"stale etag", func() error {
			return update(c, e, &pb.Organisation{Name: taken.Name, DisplayName: "New", Etag: "999"}, "display_name")
		}, codes.Aborted, ""},
		{"stale etag on delete", func() error {
			_, err := e.client.DeleteOrganisation(c, &pb.DeleteOrganisationRequest{Name: taken.Name, Etag: "999"})
			return err
		}, codes.Aborted, ""},
	}, badPagingCases(func(pageSize int32, pageToken string) error {
		_, err := e.client.ListOrganisations(c, &pb.ListOrganisationsRequest{PageSize: pageSize, PageToken: pageToken})
		return err
	})...))
	check()
}

func create(c context.Context, e *env, id string, o *pb.Organisation) error {
	_, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{OrganisationId: id, Organisation: o})
	return err
}

func update(c context.Context, e *env, o *pb.Organisation, paths ...string) error {
	_, err := e.client.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{Organisation: o, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	return err
}

func (e *env) testConcurrentUpdates(t *testing.T) {
	c := ctx(t)
	o, err := e.client.CreateOrganisation(c, &pb.CreateOrganisationRequest{Organisation: council("Contested")})
	if err != nil {
		t.Fatal(err)
	}
	wins, errs := race(8, func(i int) error {
		return update(c, e, &pb.Organisation{Name: o.Name, DisplayName: fmt.Sprintf("Writer %d", i), Etag: o.Etag}, "display_name")
	})
	for _, err := range errs {
		if status.Code(err) != codes.Aborted {
			t.Errorf("losing update: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent updates with the same etag succeeded, want 1", wins)
	}
}

package organisations_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// The service's resources share their standard methods (see lifecycle.go);
// the checks here run against each resource's API, so that every resource
// is held to the same AIP rules.

// apiResource is what the shared checks read of a resource.
type apiResource interface {
	proto.Message
	GetName() string
	GetDisplayName() string
	GetEtag() string
	GetDeleteTime() *timestamppb.Timestamp
}

// resourceAPI is one resource's standard methods as the shared checks call
// them.
type resourceAPI[M apiResource] struct {
	get func(c context.Context, name string) (M, error)
	// rename updates display_name alone; an empty etag skips the etag check.
	rename           func(c context.Context, name, displayName, etag string) (M, error)
	delete, undelete func(c context.Context, name, etag string) (M, error)
	// list returns the names of the resources whose display name is
	// displayName, across pages.
	list func(t *testing.T, displayName string, showDeleted bool) []string
}

func (e *env) organisationsAPI() resourceAPI[*pb.Organisation] {
	return resourceAPI[*pb.Organisation]{
		get: func(c context.Context, name string) (*pb.Organisation, error) {
			return e.client.GetOrganisation(c, &pb.GetOrganisationRequest{Name: name})
		},
		rename: func(c context.Context, name, displayName, etag string) (*pb.Organisation, error) {
			return e.client.UpdateOrganisation(c, &pb.UpdateOrganisationRequest{
				Organisation: &pb.Organisation{Name: name, DisplayName: displayName, Etag: etag},
				UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		},
		delete: func(c context.Context, name, etag string) (*pb.Organisation, error) {
			return e.client.DeleteOrganisation(c, &pb.DeleteOrganisationRequest{Name: name, Etag: etag})
		},
		undelete: func(c context.Context, name, etag string) (*pb.Organisation, error) {
			return e.client.UndeleteOrganisation(c, &pb.UndeleteOrganisationRequest{Name: name, Etag: etag})
		},
		list: func(t *testing.T, displayName string, showDeleted bool) []string {
			return e.listNames(t, &pb.ListOrganisationsRequest{Filter: `display_name = "` + displayName + `"`, ShowDeleted: showDeleted})
		},
	}
}

func (e *env) peopleAPI(parent string) resourceAPI[*pb.Person] {
	return resourceAPI[*pb.Person]{
		get: func(c context.Context, name string) (*pb.Person, error) {
			return e.people.GetPerson(c, &pb.GetPersonRequest{Name: name})
		},
		rename: func(c context.Context, name, displayName, etag string) (*pb.Person, error) {
			return e.updatePerson(c, &pb.Person{Name: name, DisplayName: displayName, Etag: etag}, "display_name")
		},
		delete: func(c context.Context, name, etag string) (*pb.Person, error) {
			return e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: name, Etag: etag})
		},
		undelete: func(c context.Context, name, etag string) (*pb.Person, error) {
			return e.people.UndeletePerson(c, &pb.UndeletePersonRequest{Name: name, Etag: etag})
		},
		list: func(t *testing.T, displayName string, showDeleted bool) []string {
			return e.personNames(t, &pb.ListPeopleRequest{Parent: parent, Filter: `display_name = "` + displayName + `"`, ShowDeleted: showDeleted})
		},
	}
}

// checkLifecycle takes created through an update, a soft delete and an
// undelete (AIP-134, AIP-154, AIP-164), checking each step and the calls
// each state refuses, and returns the resource after each step.
func (api resourceAPI[M]) checkLifecycle(t *testing.T, created M, newDisplayName string) (updated, deleted, restored M) {
	t.Helper()
	c, name := ctx(t), created.GetName()
	got, err := api.get(c, name)
	if err != nil || !proto.Equal(got, created) {
		t.Fatalf("get = %v, %v; want %v", got, err, created)
	}

	updated, err = api.rename(c, name, newDisplayName, created.GetEtag())
	if err != nil || updated.GetDisplayName() != newDisplayName || updated.GetEtag() == created.GetEtag() {
		t.Fatalf("update = %v, %v", updated, err)
	}
	_, err = api.rename(c, name, "Stale", created.GetEtag())
	apitest.WantCode(t, err, codes.Aborted, "")
	if same, err := api.rename(c, name, newDisplayName, ""); err != nil || !proto.Equal(same, updated) {
		t.Fatalf("update changing nothing = %v, %v; want %v", same, err, updated)
	}

	deleted, err = api.delete(c, name, updated.GetEtag())
	if err != nil || deleted.GetDeleteTime() == nil {
		t.Fatalf("delete = %v, %v", deleted, err)
	}
	_, err = api.delete(c, name, "")
	apitest.WantCode(t, err, codes.NotFound, "")
	_, err = api.rename(c, name, "Renamed while deleted", "")
	apitest.WantCode(t, err, codes.FailedPrecondition, "")
	if got, err := api.get(c, name); err != nil || !proto.Equal(got, deleted) {
		t.Fatalf("get deleted = %v, %v; want %v", got, err, deleted)
	}
	if names := api.list(t, newDisplayName, false); slices.Contains(names, name) {
		t.Fatalf("deleted %s listed: %v", name, names)
	}
	if names := api.list(t, newDisplayName, true); !slices.Contains(names, name) {
		t.Fatalf("show_deleted does not list %s: %v", name, names)
	}

	restored, err = api.undelete(c, name, deleted.GetEtag())
	if err != nil || restored.GetDeleteTime() != nil || restored.GetDisplayName() != newDisplayName {
		t.Fatalf("undelete = %v, %v", restored, err)
	}
	_, err = api.undelete(c, name, "")
	apitest.WantCode(t, err, codes.AlreadyExists, "")
	return updated, deleted, restored
}

// checkEvents wants evs to be the events of checkLifecycle's steps, in
// order: the CloudEvents attributes, the subject the proto documents, and a
// payload holding the resource as each step returned it.
func (e *env) checkEvents(t *testing.T, evs []events.Event, created, updated, deleted, restored apiResource) {
	t.Helper()
	resource := string(created.ProtoReflect().Descriptor().Name()) // Organisation, Person
	steps := []struct {
		change string
		want   apiResource
	}{{"created", created}, {"updated", updated}, {"deleted", deleted}, {"undeleted", restored}}
	if len(evs) != len(steps) {
		t.Fatalf("%d events, want %d", len(evs), len(steps))
	}
	for i, step := range steps {
		ev := evs[i]
		wantType := "goldenthread.organisations.v1." + resource + strings.ToUpper(step.change[:1]) + step.change[1:]
		orgID := strings.Split(created.GetName(), "/")[1]
		wantSubject := e.prefix + ".organisations.v1." + orgID + "." + strings.ToLower(resource) + "." + step.change
		if ev.Type != wantType || ev.NATSSubject != wantSubject || ev.Subject != created.GetName() || ev.Source != events.ServiceSource("organisations") {
			t.Errorf("event %d: %s on %s; want %s on %s", i, ev.Type, ev.NATSSubject, wantType, wantSubject)
			continue
		}
		payload, mask := decodePayload(t, ev)
		if !proto.Equal(payload, step.want) {
			t.Errorf("%s payload holds %v, want %v", ev.Type, payload, step.want)
		}
		if step.change == "updated" && !slices.Equal(mask, []string{"display_name"}) {
			t.Errorf("%s update_mask = %v", ev.Type, mask)
		}
	}
}

// decodePayload decodes an event's payload as the message its ce-type
// names, returning the resource it carries (field 1 of every change event)
// and its update_mask, if any.
func decodePayload(t *testing.T, ev events.Event) (proto.Message, []string) {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(ev.Type))
	if err != nil {
		t.Fatalf("event type %s: %v", ev.Type, err)
	}
	m := mt.New()
	if err := proto.Unmarshal(ev.Data, m.Interface()); err != nil {
		t.Fatalf("%s payload: %v", ev.Type, err)
	}
	fields := m.Descriptor().Fields()
	var mask []string
	if fd := fields.ByName("update_mask"); fd != nil {
		mask = m.Get(fd).Message().Interface().(*fieldmaskpb.FieldMask).GetPaths()
	}
	return m.Get(fields.ByNumber(1)).Message().Interface(), mask
}

// checkIdempotent calls create twice, as a client retrying with the same
// request_id does, and wants the same resource back, created once.
func (e *env) checkIdempotent(t *testing.T, create func(c context.Context) (proto.Message, error)) {
	t.Helper()
	c := ctx(t)
	before := e.count(t, "outbox")
	first, err := create(c)
	if err != nil {
		t.Fatal(err)
	}
	second, err := create(c)
	if err != nil || !proto.Equal(first, second) {
		t.Fatalf("retry = %v, %v; want %v", second, err, first)
	}
	if n := e.count(t, "outbox") - before; n != 1 {
		t.Fatalf("%d events for a retried create", n)
	}
}

// unchanged notes how many rows table and the outbox hold and, when get is
// set, what it answers; the check it returns, run after requests that must
// change nothing, wants them all the same.
func (e *env) unchanged(t *testing.T, table string, get func() proto.Message) func() {
	t.Helper()
	rows, events := e.count(t, table), e.count(t, "outbox")
	var before proto.Message
	if get != nil {
		before = get()
	}
	return func() {
		t.Helper()
		if n := e.count(t, table); n != rows {
			t.Errorf("%s holds %d rows, was %d", table, n, rows)
		}
		if n := e.count(t, "outbox"); n != events {
			t.Errorf("outbox holds %d events, was %d", n, events)
		}
		if get != nil {
			if after := get(); !proto.Equal(after, before) {
				t.Errorf("%v changed to %v", before, after)
			}
		}
	}
}

// suiteTest is one subtest of a suite, run against its env.
type suiteTest struct {
	name string
	run  func(e *env, t *testing.T)
}

// runSuite runs tests in order against a fresh service for each NATS mode
// and database engine.
func runSuite(t *testing.T, tests []suiteTest) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			e := start(t, dsn, b)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(e, t) })
			}
		})
	})
}

// errOf drops a call's result, for tables of calls that must fail.
func errOf[M any](_ M, err error) error { return err }

// badCase is a request that must fail with code, naming field when set.
type badCase struct {
	name  string
	call  func() error
	code  codes.Code
	field string
}

func runBadCases(t *testing.T, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.call(), tc.code, tc.field) })
	}
}

// badPagingCases are the paging parameters every List refuses; list makes
// the call with them.
func badPagingCases(list func(pageSize int32, pageToken string) error) []badCase {
	return []badCase{
		{"negative page_size", func() error { return list(-1, "") }, codes.InvalidArgument, "page_size"},
		{"garbage page_token", func() error { return list(0, "%%%garbage") }, codes.InvalidArgument, "page_token"},
	}
}

// race runs call n times at once and returns how many calls succeeded and
// the errors of the others.
func race(n int, call func(i int) error) (wins int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := call(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return wins, errs
}

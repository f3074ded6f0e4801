package organisations_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

func TestPeople(t *testing.T) {
	runSuite(t, []suiteTest{
		{"lifecycle and its events", (*env).testPersonLifecycle}, // first: it counts every event on the stream
		{"email unique among live people, ignoring case", (*env).testEmailUnique},
		{"external_subject unique among live people", (*env).testExternalSubjectUnique},
		{"concurrent creates with one email", (*env).testConcurrentEmail},
		{"request_id makes create idempotent", (*env).testIdempotentPersonCreate},
		{"list paging, filter and order", (*env).testListPeople},
		{"parent organisation missing or deleted", (*env).testPersonParent},
		{"bad input changes nothing", (*env).testPersonBadInput},
	})
}

// organisation creates a live organisation for a test's people.
func (e *env) organisation(t *testing.T, id string) string {
	t.Helper()
	o, err := e.client.CreateOrganisation(ctx(t), &pb.CreateOrganisationRequest{OrganisationId: id, Organisation: council(id)})
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}

func (e *env) createPerson(t *testing.T, parent, id, displayName, email string) *pb.Person {
	t.Helper()
	p, err := e.people.CreatePerson(ctx(t), &pb.CreatePersonRequest{Parent: parent, PersonId: id,
		Person: &pb.Person{DisplayName: displayName, Email: email}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// getPerson returns a function that gets the person named name, for
// unchanged.
func (e *env) getPerson(c context.Context, name string) func() proto.Message {
	return func() proto.Message {
		p, _ := e.people.GetPerson(c, &pb.GetPersonRequest{Name: name})
		return p
	}
}

func (e *env) updatePerson(c context.Context, p *pb.Person, paths ...string) (*pb.Person, error) {
	return e.people.UpdatePerson(c, &pb.UpdatePersonRequest{Person: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

func (e *env) personNames(t *testing.T, req *pb.ListPeopleRequest) []string {
	t.Helper()
	return allPages(t, func(token string) ([]string, string, error) {
		req := proto.CloneOf(req)
		req.PageToken = token
		resp, err := e.people.ListPeople(ctx(t), req)
		return names(resp.GetPeople()), resp.GetNextPageToken(), err
	})
}

// wantTaken fails unless err is ALREADY_EXISTS for a unique field whose
// value holder has: the message and the ErrorInfo name the field.
func wantTaken(t *testing.T, err error, field, holder string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.AlreadyExists {
		t.Fatalf("code = %v (%v), want AlreadyExists", st.Code(), err)
	}
	if !strings.Contains(st.Message(), field) || !strings.Contains(st.Message(), holder) {
		t.Errorf("message %q does not name %s and %s", st.Message(), field, holder)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Metadata["field"] == field && info.Metadata["name"] == holder {
			return
		}
	}
	t.Errorf("no ErrorInfo naming %s and %s in %v", field, holder, st.Details())
}

func (e *env) testPersonLifecycle(t *testing.T) {
	c := ctx(t)
	org := e.organisation(t, "north")
	yearAgo := timestamppb.New(time.Now().AddDate(-1, 0, 0))
	created, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: org, PersonId: "ann",
		Person: &pb.Person{DisplayName: "Ann Smith", Email: "Ann@North.example", JobTitle: "Director",
			ExternalSubject: "idp|ann", Name: "organisations/x/people/y", Etag: "ignored", CreateTime: yearAgo}})
	if err != nil {
		t.Fatal(err)
	}
	if created.Name != org+"/people/ann" || created.Email != "Ann@North.example" || created.JobTitle != "Director" ||
		created.ExternalSubject != "idp|ann" || created.Etag != "1" || created.DeleteTime != nil ||
		!proto.Equal(created.CreateTime, created.UpdateTime) || !created.CreateTime.AsTime().After(yearAgo.AsTime()) {
		t.Fatalf("created %v", created)
	}
	updated, deleted, restored := e.peopleAPI(org).checkLifecycle(t, created, "Ann Jones")
	if updated.Email != created.Email || updated.JobTitle != created.JobTitle || updated.ExternalSubject != created.ExternalSubject ||
		!proto.Equal(updated.CreateTime, created.CreateTime) {
		t.Errorf("updating display_name changed other fields: %v", updated)
	}
	_, err = e.people.GetPerson(c, &pb.GetPersonRequest{Name: org + "/people/nobody"})
	apitest.WantCode(t, err, codes.NotFound, "")

	evs := e.streamEvents(t, 5)
	if evs[0].Type != "goldenthread.organisations.v1.OrganisationCreated" {
		t.Errorf("event 0: %+v", evs[0])
	}
	e.checkEvents(t, evs[1:], created, updated, deleted, restored)
}

func (e *env) testEmailUnique(t *testing.T) {
	c := ctx(t)
	org, other := e.organisation(t, "email-org"), e.organisation(t, "email-other")
	ann := e.createPerson(t, org, "ann", "Ann", "Ann@Email.example")
	bob := e.createPerson(t, org, "bob", "Bob", "bob@email.example")
	check := e.unchanged(t, "people", e.getPerson(c, bob.Name))
	_, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: org, Person: &pb.Person{DisplayName: "Imposter", Email: "ann@EMAIL.example"}})
	wantTaken(t, err, "person.email", ann.Name)
	_, err = e.updatePerson(c, &pb.Person{Name: bob.Name, Email: "ANN@email.example"}, "email")
	wantTaken(t, err, "person.email", ann.Name)
	check()

	e.createPerson(t, other, "ann", "Ann elsewhere", "ann@email.example") // another organisation's people are apart
	if _, err := e.updatePerson(c, &pb.Person{Name: ann.Name, Email: "ANN@email.example"}, "email"); err != nil {
		t.Fatalf("changing the case of one's own email: %v", err)
	}

	if _, err := e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: ann.Name}); err != nil {
		t.Fatal(err)
	}
	carol := e.createPerson(t, org, "carol", "Carol", "ann@email.example") // freed by the delete
	_, err = e.people.UndeletePerson(c, &pb.UndeletePersonRequest{Name: ann.Name})
	wantTaken(t, err, "person.email", carol.Name)
	if got, _ := e.people.GetPerson(c, &pb.GetPersonRequest{Name: ann.Name}); got.GetDeleteTime() == nil {
		t.Errorf("refused undelete restored %v", got)
	}
	if _, err := e.updatePerson(c, &pb.Person{Name: carol.Name, Email: "carol@email.example"}, "email"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.people.UndeletePerson(c, &pb.UndeletePersonRequest{Name: ann.Name}); err != nil {
		t.Fatalf("undelete once the email is free again: %v", err)
	}
}

func (e *env) testExternalSubjectUnique(t *testing.T) {
	c := ctx(t)
	org, other := e.organisation(t, "subject-org"), e.organisation(t, "subject-other")
	create := func(parent, id, subject string) (*pb.Person, error) {
		return e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: parent, PersonId: id,
			Person: &pb.Person{DisplayName: id, Email: id + "@subject.example", ExternalSubject: subject}})
	}
	dan, err := create(org, "dan", "idp|1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = create(org, "eve", "idp|1")
	wantTaken(t, err, "person.external_subject", dan.Name)
	for _, id := range []string{"fay", "gus"} { // no subject is never a duplicate
		if _, err := create(org, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := create(org, "hal", "IDP|1"); err != nil { // subjects are compared exactly, as identity providers issue them
		t.Fatal(err)
	}
	if _, err := create(other, "dan", "idp|1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.updatePerson(c, &pb.Person{Name: org + "/people/fay", ExternalSubject: "idp|1"}, "external_subject")
	wantTaken(t, err, "person.external_subject", dan.Name)

	if _, err := e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: dan.Name}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.updatePerson(c, &pb.Person{Name: org + "/people/fay", ExternalSubject: "idp|1"}, "external_subject"); err != nil {
		t.Fatalf("taking a deleted person's subject: %v", err)
	}
	_, err = e.people.UndeletePerson(c, &pb.UndeletePersonRequest{Name: dan.Name})
	wantTaken(t, err, "person.external_subject", org+"/people/fay")
}

func (e *env) testConcurrentEmail(t *testing.T) {
	c := ctx(t)
	org := e.organisation(t, "race")
	wins, errs := race(8, func(i int) error {
		_, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: org,
			Person: &pb.Person{DisplayName: fmt.Sprintf("Racer %d", i), Email: "racer@race.example"}})
		return err
	})
	for _, err := range errs {
		if st := status.Convert(err); st.Code() != codes.AlreadyExists || !strings.Contains(st.Message(), "person.email") {
			t.Errorf("losing create: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent creates with one email succeeded, want 1", wins)
	}
}

func (e *env) testIdempotentPersonCreate(t *testing.T) {
	org := e.organisation(t, "retry")
	req := &pb.CreatePersonRequest{Parent: org, RequestId: "req-1", Person: &pb.Person{DisplayName: "Retry", Email: "retry@retry.example"}}
	e.checkIdempotent(t, func(c context.Context) (proto.Message, error) { return e.people.CreatePerson(c, req) })
}

func (e *env) testListPeople(t *testing.T) {
	c := ctx(t)
	org, other := e.organisation(t, "listing"), e.organisation(t, "listing-other")
	created := []int{7, 3, 19, 0, 24, 11, 5, 16, 2, 21, 9, 14, 1, 23, 8, 18, 4, 12, 22, 6, 15, 10, 20, 13, 17}
	for _, i := range created {
		domain := "listing.example"
		if i%5 == 0 {
			domain = "Other.Example"
		}
		// Emails sort the other way round from display names.
		e.createPerson(t, org, fmt.Sprintf("p%02d", i), fmt.Sprintf("Person %02d", i), fmt.Sprintf("P%02d@%s", 99-i, domain))
	}
	e.createPerson(t, other, "p00", "Person 00", "p00@listing.example")
	named := func(ids ...int) []string {
		out := make([]string, len(ids))
		for k, i := range ids {
			out[k] = fmt.Sprintf("%s/people/p%02d", org, i)
		}
		return out
	}
	ascending := named(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
	descending := slices.Clone(ascending)
	slices.Reverse(descending)
	newestFirst := named(created...)
	slices.Reverse(newestFirst)

	req := &pb.ListPeopleRequest{Parent: org, PageSize: 10, OrderBy: "display_name desc"}
	for _, tc := range []struct {
		req  *pb.ListPeopleRequest
		want []string
	}{
		{&pb.ListPeopleRequest{Parent: org, PageSize: 10}, ascending}, // display_name by default
		{req, descending},
		{&pb.ListPeopleRequest{Parent: org, PageSize: 7, OrderBy: "email"}, descending},
		{&pb.ListPeopleRequest{Parent: org, PageSize: 4, OrderBy: "create_time desc, update_time"}, newestFirst},
		{&pb.ListPeopleRequest{Parent: org, PageSize: 4, OrderBy: "update_time"}, named(created...)},
	} {
		if got := e.personNames(t, tc.req); !slices.Equal(got, tc.want) {
			t.Errorf("order_by %q = %v, want %v", tc.req.OrderBy, got, tc.want)
		}
	}

	withoutP07 := slices.Concat(ascending[:7], ascending[8:])
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`email:"@other.example"`, named(0, 5, 10, 15, 20)},
		{`email:"@OTHER.EXAMPLE" AND display_name != "person 00"`, named(5, 10, 15, 20)},
		{`email = "p92@LISTING.example"`, named(7)},
		{`email != "p92@listing.example"`, withoutP07},
		{`display_name = "PERSON 07"`, named(7)},
		{`display_name:"person 1"`, named(10, 11, 12, 13, 14, 15, 16, 17, 18, 19)},
		{`display_name:"nobody"`, nil},
	} {
		if got := e.personNames(t, &pb.ListPeopleRequest{Parent: org, PageSize: 3, Filter: tc.filter}); !slices.Equal(got, tc.want) {
			t.Errorf("filter %s = %v, want %v", tc.filter, got, tc.want)
		}
	}

	first, err := e.people.ListPeople(c, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: other, PageSize: 10, OrderBy: req.OrderBy, PageToken: first.NextPageToken})
	apitest.WantCode(t, err, codes.InvalidArgument, "page_token")
	_, err = e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: org, PageSize: 10, OrderBy: req.OrderBy, PageToken: first.NextPageToken, ShowDeleted: true})
	apitest.WantCode(t, err, codes.InvalidArgument, "page_token")

	if _, err := e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: org + "/people/p07"}); err != nil {
		t.Fatal(err)
	}
	if got := e.personNames(t, &pb.ListPeopleRequest{Parent: org, PageSize: 10}); !slices.Equal(got, withoutP07) {
		t.Errorf("after a delete: %v", got)
	}
	if got := e.personNames(t, &pb.ListPeopleRequest{Parent: org, PageSize: 10, ShowDeleted: true}); !slices.Equal(got, ascending) {
		t.Errorf("show_deleted = %v", got)
	}
}

func (e *env) testPersonParent(t *testing.T) {
	c := ctx(t)
	org := e.organisation(t, "closing")
	pat := e.createPerson(t, org, "pat", "Pat", "pat@closing.example")
	if _, err := e.client.DeleteOrganisation(c, &pb.DeleteOrganisationRequest{Name: org}); err != nil {
		t.Fatal(err)
	}
	check := e.unchanged(t, "people", nil)
	_, err := e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: "organisations/ghost", Person: &pb.Person{DisplayName: "x", Email: "x@ghost.example"}})
	apitest.WantCode(t, err, codes.NotFound, "")
	if !strings.Contains(status.Convert(err).Message(), "organisations/ghost") {
		t.Errorf("missing parent: %v does not name it", err)
	}
	_, err = e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: org, Person: &pb.Person{DisplayName: "x", Email: "x@closing.example"}})
	apitest.WantCode(t, err, codes.FailedPrecondition, "")
	if !strings.Contains(status.Convert(err).Message(), org) {
		t.Errorf("deleted parent: %v does not name it", err)
	}
	_, err = e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: "organisations/ghost"})
	apitest.WantCode(t, err, codes.NotFound, "")
	if got := e.personNames(t, &pb.ListPeopleRequest{Parent: org}); len(got) != 1 || got[0] != pat.Name {
		t.Errorf("a deleted organisation's people = %v", got)
	}
	check()

	if _, err := e.client.UndeleteOrganisation(c, &pb.UndeleteOrganisationRequest{Name: org}); err != nil {
		t.Fatal(err)
	}
	e.createPerson(t, org, "sam", "Sam", "sam@closing.example")
}

func (e *env) testPersonBadInput(t *testing.T) {
	c := ctx(t)
	org := e.organisation(t, "bad-input")
	taken := e.createPerson(t, org, "taken", "Taken", "taken@bad.example")
	check := e.unchanged(t, "people", e.getPerson(c, taken.Name))

	valid := func() *pb.Person { return &pb.Person{DisplayName: "Valid", Email: "valid@bad.example"} }
	with := func(change func(p *pb.Person)) *pb.Person { p := valid(); change(p); return p }
	create := func(parent, id string, p *pb.Person) func() error {
		return func() error {
			return errOf(e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: parent, PersonId: id, Person: p}))
		}
	}
	update := func(p *pb.Person, paths ...string) func() error {
		return func() error { return errOf(e.updatePerson(c, p, paths...)) }
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	runBadCases(t, append([]badCase{
		{"empty display name", create(org, "", with(func(p *pb.Person) { p.DisplayName = "" })), codes.InvalidArgument, "person.display_name"},
		{"blank display name", create(org, "", with(func(p *pb.Person) { p.DisplayName = " \t" })), codes.InvalidArgument, "person.display_name"},
		{"over-long display name", create(org, "", with(func(p *pb.Person) { p.DisplayName = long(201) })), codes.InvalidArgument, "person.display_name"},
		{"missing email", create(org, "", with(func(p *pb.Person) { p.Email = "" })), codes.InvalidArgument, "person.email"},
		{"bad email", create(org, "", with(func(p *pb.Person) { p.Email = "not an address" })), codes.InvalidArgument, "person.email"},
		{"over-long job title", create(org, "", with(func(p *pb.Person) { p.JobTitle = long(201) })), codes.InvalidArgument, "person.job_title"},
		{"over-long external subject", create(org, "", with(func(p *pb.Person) { p.ExternalSubject = long(257) })), codes.InvalidArgument, "person.external_subject"},
		{"over-long etag", create(org, "", with(func(p *pb.Person) { p.Etag = long(65) })), codes.InvalidArgument, "person.etag"},
		{"missing person", create(org, "", nil), codes.InvalidArgument, "person"},
		{"bad person_id", create(org, "Bad_Id", valid()), codes.InvalidArgument, "person_id"},
		{"bad parent", create("organisations/Bad", "", valid()), codes.InvalidArgument, "parent"},
		{"person as parent", create(taken.Name, "", valid()), codes.InvalidArgument, "parent"},
		{"over-long request_id", func() error {
			return errOf(e.people.CreatePerson(c, &pb.CreatePersonRequest{Parent: org, Person: valid(), RequestId: long(129)}))
		}, codes.InvalidArgument, "request_id"},
		{"duplicate id", create(org, "taken", valid()), codes.AlreadyExists, ""},
		{"invalid resource name", func() error { return errOf(e.people.GetPerson(c, &pb.GetPersonRequest{Name: org})) }, codes.InvalidArgument, "name"},
		{"bad list parent", func() error { return errOf(e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: "people/x"})) }, codes.InvalidArgument, "parent"},
		{"filter on a field that does not filter", func() error {
			return errOf(e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: org, Filter: `job_title = "x"`}))
		}, codes.InvalidArgument, "filter"},
		{"order by a field that does not sort", func() error {
			return errOf(e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: org, OrderBy: "external_subject"}))
		}, codes.InvalidArgument, "order_by"},
		{"update without person", func() error { return errOf(e.people.UpdatePerson(c, &pb.UpdatePersonRequest{})) }, codes.InvalidArgument, "person"},
		{"update with bad name", update(&pb.Person{Name: org, DisplayName: "x"}, "display_name"), codes.InvalidArgument, "person.name"},
		{"unknown update_mask path", update(&pb.Person{Name: taken.Name}, "phone"), codes.InvalidArgument, "update_mask"},
		{"update to empty email", update(&pb.Person{Name: taken.Name}, "email"), codes.InvalidArgument, "person.email"},
		{"update to bad email", update(&pb.Person{Name: taken.Name, Email: "@"}, "email"), codes.InvalidArgument, "person.email"},
		{"update to blank display name", update(&pb.Person{Name: taken.Name, DisplayName: " "}, "display_name"), codes.InvalidArgument, "person.display_name"},
		{"update to over-long job title", update(&pb.Person{Name: taken.Name, JobTitle: long(201)}, "job_title"), codes.InvalidArgument, "person.job_title"},
		{"empty mask replaces every field", update(&pb.Person{Name: taken.Name, DisplayName: "New"}), codes.InvalidArgument, "person.email"},
		{"output-only update_mask paths are ignored", update(&pb.Person{Name: taken.Name, CreateTime: timestamppb.Now()}, "create_time", "etag"), codes.OK, ""},
		{"unchanged value writes nothing", update(&pb.Person{Name: taken.Name, DisplayName: taken.DisplayName}, "display_name"), codes.OK, ""},
		{"update of a missing person", update(&pb.Person{Name: org + "/people/ghost", DisplayName: "x"}, "display_name"), codes.NotFound, ""},
		{"stale etag", update(&pb.Person{Name: taken.Name, DisplayName: "New", Etag: "999"}, "display_name"), codes.Aborted, ""},
		{"stale etag on delete", func() error {
			return errOf(e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: taken.Name, Etag: "999"}))
		}, codes.Aborted, ""},
		{"delete with bad name", func() error { return errOf(e.people.DeletePerson(c, &pb.DeletePersonRequest{Name: "people/x"})) }, codes.InvalidArgument, "name"},
		{"undelete a live person", func() error { return errOf(e.people.UndeletePerson(c, &pb.UndeletePersonRequest{Name: taken.Name})) }, codes.AlreadyExists, ""},
	}, badPagingCases(func(pageSize int32, pageToken string) error {
		return errOf(e.people.ListPeople(c, &pb.ListPeopleRequest{Parent: org, PageSize: pageSize, PageToken: pageToken}))
	})...))
	check()
}

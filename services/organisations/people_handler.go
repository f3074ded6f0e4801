package organisations

import (
	"cmp"
	"context"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// peopleHandler is the gRPC surface of PeopleService. Requests arrive
// already checked against their proto rules by the validation interceptor;
// the handler adds the rules that need the database (the organisation must
// exist and, to add people, be live; email and external subject are unique
// among its live people) and leaves the standard AIP methods to the
// resource engine.
type peopleHandler struct {
	pb.UnimplementedPeopleServiceServer
	people resource.Engine[*personRecord, *pb.Person]
}

// personRow reads and writes the row of organisations/{orgID}/people/{id}.
func personRow(orgID, id string) resource.Row[*personRecord] {
	return resource.Row[*personRecord]{
		Get:  func(ctx context.Context, q sqldb.Querier) (*personRecord, error) { return getPerson(ctx, q, orgID, id) },
		Save: updatePerson,
	}
}

func (h *peopleHandler) GetPerson(ctx context.Context, req *pb.GetPersonRequest) (*pb.Person, error) {
	orgID, id, err := parsePersonName("name", req.Name)
	if err != nil {
		return nil, err
	}
	p, err := h.people.Get(ctx, req.Name, personRow(orgID, id))
	if err != nil {
		return nil, err
	}
	return seenBy(auth.FromContext(ctx), orgID, p), nil
}

func (h *peopleHandler) ListPeople(ctx context.Context, req *pb.ListPeopleRequest) (*pb.ListPeopleResponse, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	caller := auth.FromContext(ctx)
	schema := personListSchema
	if caller.ThroughOwner(orgID) {
		schema = personOwnerListSchema
	}
	people, next, err := resource.List(ctx, h.people.DB, schema, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*personRecord]) ([]*personRecord, error) {
			// A deleted organisation's people stay listable, as it does itself.
			if _, err := resource.Lookup(ctx, q, req.Parent, organisationRow(orgID).Get); err != nil {
				return nil, err
			}
			return listPeople(ctx, q, orgID, plan, req.ShowDeleted)
		})
	if err != nil {
		return nil, err
	}
	for i, p := range people {
		people[i] = seenBy(caller, orgID, p)
	}
	return &pb.ListPeopleResponse{People: people, NextPageToken: next}, nil
}

func (h *peopleHandler) CreatePerson(ctx context.Context, req *pb.CreatePersonRequest) (*pb.Person, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	id := cmp.Or(req.PersonId, resourcename.NewID())
	r := &personRecord{orgID: orgID, id: id, person: resource.ApplyMask(&pb.Person{Name: resourcename.Format(personCollection, orgID, id)},
		req.Person, personUpdatable)}
	return h.people.Create(ctx, resource.Creation[*personRecord]{
		Record: r, ID: id, Row: func(id string) resource.Row[*personRecord] { return personRow(orgID, id) },
		Key: idempotency.For(req.Parent+"/people", req),
		Check: func(ctx context.Context, tx *sqldb.Tx) error {
			if err := liveParent(ctx, tx, orgID, req.Parent); err != nil {
				return err
			}
			return checkUnique(ctx, tx, r)
		},
		Insert: insertPerson,
	})
}

func (h *peopleHandler) UpdatePerson(ctx context.Context, req *pb.UpdatePersonRequest) (*pb.Person, error) {
	if req.Person == nil {
		return nil, apierr.InvalidArgument("person", "is required")
	}
	orgID, id, err := parsePersonName("person.name", req.Person.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), personUpdatable, nil)
	if err != nil {
		return nil, err
	}
	change := resource.Change[*personRecord]{Name: req.Person.Name, Etag: req.Person.Etag, Row: personRow(orgID, id),
		Check: func(ctx context.Context, tx *sqldb.Tx, _, next *personRecord) error {
			return checkUnique(ctx, tx, next)
		}}
	return h.people.Update(ctx, change, paths, func(current *personRecord) (*personRecord, error) {
		return current.with(resource.ApplyMask(current.person, req.Person, paths)), nil
	})
}

func (h *peopleHandler) DeletePerson(ctx context.Context, req *pb.DeletePersonRequest) (*pb.Person, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true)
}

func (h *peopleHandler) UndeletePerson(ctx context.Context, req *pb.UndeletePersonRequest) (*pb.Person, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false)
}

// setDeleted deletes or restores a person; one whose email or external
// subject another live person has taken meanwhile stays deleted.
func (h *peopleHandler) setDeleted(ctx context.Context, name, etag string, deleted bool) (*pb.Person, error) {
	orgID, id, err := parsePersonName("name", name)
	if err != nil {
		return nil, err
	}
	change := resource.Change[*personRecord]{Name: name, Etag: etag, Row: personRow(orgID, id)}
	if !deleted {
		change.Check = func(ctx context.Context, tx *sqldb.Tx, r, _ *personRecord) error { return checkUnique(ctx, tx, r) }
	}
	return h.people.SetDeleted(ctx, change, deleted)
}

// liveParent fails unless people may be added to organisations/{orgID}:
// NOT_FOUND when it does not exist, FAILED_PRECONDITION when it is deleted.
// The organisation stays as read until tx ends, so it cannot be deleted
// while the person is being added.
func liveParent(ctx context.Context, tx *sqldb.Tx, orgID, parent string) error {
	org, err := resource.Lookup(ctx, tx, parent, func(ctx context.Context, q sqldb.Querier) (*orgRecord, error) {
		return shareOrganisation(ctx, tx, orgID)
	})
	if err != nil {
		return err
	}
	if org.org.DeleteTime != nil {
		return apierr.FailedPrecondition(parent, "is deleted; undelete it before adding people to it")
	}
	return nil
}

// checkUnique fails with ALREADY_EXISTS when another live person of r's
// organisation has r's email (ignoring case) or external subject. The
// partial unique indexes would refuse the write anyway; checking first
// names the field.
func checkUnique(ctx context.Context, tx *sqldb.Tx, r *personRecord) error {
	h, err := liveHolders(ctx, tx, r)
	if err != nil {
		return err
	}
	return h.unique(r.orgID)
}

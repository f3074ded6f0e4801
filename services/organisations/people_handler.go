package organisations

import (
	"context"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
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

func (h *peopleHandler) GetPerson(ctx context.Context, req *pb.GetPersonRequest) (*pb.Person, error) {
	p, err := h.people.Get(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	return seenBy(auth.FromContext(ctx), p), nil
}

func (h *peopleHandler) ListPeople(ctx context.Context, req *pb.ListPeopleRequest) (*pb.ListPeopleResponse, error) {
	ids, err := organisationType.Parse("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	caller := auth.FromContext(ctx)
	people := h.people
	if caller.ThroughOwner(ids[0]) {
		people.Type.List = personOwnerListSchema
	}
	listed, next, err := people.List(ctx, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*personRecord], ids []string) ([]*personRecord, error) {
			// A deleted organisation's people stay listable, as it does itself.
			if _, err := organisationType.Lookup(ctx, q, ids...); err != nil {
				return nil, err
			}
			return personType.Page(ctx, q, plan, req.ShowDeleted, ids...)
		})
	if err != nil {
		return nil, err
	}
	for _, p := range listed {
		seenBy(caller, p)
	}
	return &pb.ListPeopleResponse{People: listed, NextPageToken: next}, nil
}

func (h *peopleHandler) CreatePerson(ctx context.Context, req *pb.CreatePersonRequest) (*pb.Person, error) {
	return h.people.Create(ctx, resource.Creation[*personRecord]{Request: req, Parent: req.Parent, ID: req.PersonId,
		New: func(ids []string) (*personRecord, error) {
			return &personRecord{Stored: resource.Hold(resource.ApplyMask(&pb.Person{Name: personType.Name(ids...)},
				req.Person, personType.Updatable())), orgID: ids[0], id: ids[1]}, nil
		},
		Check: func(ctx context.Context, tx *sqldb.Tx, r *personRecord) error {
			if err := liveParent(ctx, tx, r.orgID, req.Parent); err != nil {
				return err
			}
			return checkUnique(ctx, tx, r)
		}})
}

func (h *peopleHandler) UpdatePerson(ctx context.Context, req *pb.UpdatePersonRequest) (*pb.Person, error) {
	c, err := h.people.Patch(req.Person, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	c.Check = func(ctx context.Context, tx *sqldb.Tx, _, next *personRecord) error {
		return checkUnique(ctx, tx, next)
	}
	return h.people.Update(ctx, c, func(current *personRecord) (*personRecord, error) {
		return resource.With(current, resource.ApplyMask(current.Msg, req.Person, c.Paths)), nil
	})
}

func (h *peopleHandler) DeletePerson(ctx context.Context, req *pb.DeletePersonRequest) (*pb.Person, error) {
	return h.people.Delete(ctx, req.Name, req.Etag, resource.Hooks[*personRecord]{})
}

// UndeletePerson restores a person, unless another live person has taken
// their email or external subject meanwhile.
func (h *peopleHandler) UndeletePerson(ctx context.Context, req *pb.UndeletePersonRequest) (*pb.Person, error) {
	return h.people.Undelete(ctx, req.Name, req.Etag, resource.Hooks[*personRecord]{
		Check: func(ctx context.Context, tx *sqldb.Tx, r, _ *personRecord) error { return checkUnique(ctx, tx, r) }})
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
	if org.Msg.DeleteTime != nil {
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

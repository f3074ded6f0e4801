package organisations

import (
	"context"
	"errors"
	"strconv"

	"buf.build/go/protovalidate"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// handler is the gRPC surface of the service. Requests arrive already
// checked against their proto rules by the validation interceptor; the
// handler adds the rules that need the database and runs each change with
// its event in one transaction.
type handler struct {
	pb.UnimplementedOrganisationsServiceServer
	db     *sqldb.DB
	events emitter
}

func (h *handler) GetOrganisation(ctx context.Context, req *pb.GetOrganisationRequest) (*pb.Organisation, error) {
	id, err := parseName("name", req.Name)
	if err != nil {
		return nil, err
	}
	r, err := getRecord(ctx, h.db, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(req.Name)
	}
	if err != nil {
		return nil, err
	}
	return r.org, nil
}

func (h *handler) ListOrganisations(ctx context.Context, req *pb.ListOrganisationsRequest) (*pb.ListOrganisationsResponse, error) {
	plan, err := listSchema.Build(listing.Request{
		PageSize: req.PageSize, PageToken: req.PageToken, Filter: req.Filter, OrderBy: req.OrderBy,
		Scope: "show_deleted=" + strconv.FormatBool(req.ShowDeleted),
	})
	if err != nil {
		return nil, err
	}
	rows, err := listRecords(ctx, h.db, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListOrganisationsResponse{NextPageToken: next, Organisations: make([]*pb.Organisation, len(rows))}
	for i, r := range rows {
		resp.Organisations[i] = r.org
	}
	return resp, nil
}

func (h *handler) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.Organisation, error) {
	id := req.OrganisationId
	if id == "" {
		id = resourcename.NewID()
	}
	owners, err := ownerIDs(id, req.Organisation.Owners)
	if err != nil {
		return nil, err
	}
	t := resource.Now()
	r := &record{id: id, revision: 1, org: &pb.Organisation{
		Name:        resourcename.Format(collection, id),
		DisplayName: req.Organisation.DisplayName,
		Description: req.Organisation.Description,
		Kind:        req.Organisation.Kind,
		Owners:      req.Organisation.Owners,
		Website:     req.Organisation.Website,
		CreateTime:  t,
		UpdateTime:  t,
		Etag:        resource.Etag(1),
	}}
	if r.org.Owners == nil {
		r.org.Owners = []string{}
	}

	var result *pb.Organisation
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if req.RequestId != "" {
			prior, err := getByRequestID(ctx, tx, req.RequestId)
			if err == nil {
				result = prior.org // a retry: answer as the first call did
				return nil
			}
			if !errors.Is(err, errNotFound) {
				return err
			}
		}
		if _, err := getRecord(ctx, tx, id); err == nil {
			return apierr.AlreadyExists(r.org.Name)
		} else if !errors.Is(err, errNotFound) {
			return err
		}
		live, err := liveIDs(ctx, tx, owners)
		if err != nil {
			return err
		}
		if err := missingOwners(r.org.Owners, live); err != nil {
			return err
		}
		if err := insertRecord(ctx, tx, r, req.RequestId); err != nil {
			return err
		}
		result = r.org
		return h.events.created(ctx, tx, r.org)
	})
	if sqldb.IsUniqueViolation(err) {
		// A concurrent create won the race for this id or request_id.
		if req.RequestId != "" {
			if prior, err := getByRequestID(ctx, h.db, req.RequestId); err == nil {
				return prior.org, nil
			}
		}
		return nil, apierr.AlreadyExists(r.org.Name)
	}
	if err != nil {
		return nil, err
	}
	return result, nil
}

func (h *handler) UpdateOrganisation(ctx context.Context, req *pb.UpdateOrganisationRequest) (*pb.Organisation, error) {
	if req.Organisation == nil {
		return nil, apierr.InvalidArgument("organisation", "is required")
	}
	id, err := parseName("organisation.name", req.Organisation.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), updatable, nil)
	if err != nil {
		return nil, err
	}
	var result *pb.Organisation
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		current, err := h.current(ctx, tx, id, req.Organisation.Name, req.Organisation.Etag)
		if err != nil {
			return err
		}
		if current.org.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Organisation.Name, "is deleted; undelete it before updating")
		}
		next := applyMask(current.org, req.Organisation, paths)
		if err := protovalidate.Validate(next); err != nil {
			return interceptor.ValidationStatus(err, "organisation.")
		}
		if !changed(current.org, next) {
			result = current.org
			return nil
		}
		owners, err := ownerIDs(id, next.Owners)
		if err != nil {
			return err
		}
		live, err := liveIDs(ctx, tx, owners)
		if err != nil {
			return err
		}
		if err := missingOwners(next.Owners, live); err != nil {
			return err
		}
		if next.Owners == nil {
			next.Owners = []string{}
		}
		r := &record{id: id, revision: current.revision + 1, org: next}
		next.UpdateTime = resource.Now()
		next.Etag = resource.Etag(r.revision)
		if err := h.write(ctx, tx, r); err != nil {
			return err
		}
		result = next
		return h.events.updated(ctx, tx, next, paths)
	})
	return result, err
}

func (h *handler) DeleteOrganisation(ctx context.Context, req *pb.DeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true)
}

func (h *handler) UndeleteOrganisation(ctx context.Context, req *pb.UndeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false)
}

// setDeleted soft-deletes or restores an organisation (AIP-164).
func (h *handler) setDeleted(ctx context.Context, name, etagIn string, deleted bool) (*pb.Organisation, error) {
	id, err := parseName("name", name)
	if err != nil {
		return nil, err
	}
	var result *pb.Organisation
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		current, err := h.current(ctx, tx, id, name, etagIn)
		if err != nil {
			return err
		}
		if err := resource.CheckDeleteTransition(name, current.org.DeleteTime != nil, deleted); err != nil {
			return err
		}
		r := &record{id: id, revision: current.revision + 1, org: current.org}
		r.org.UpdateTime = resource.Now()
		r.org.DeleteTime = nil
		if deleted {
			r.org.DeleteTime = r.org.UpdateTime
		}
		r.org.Etag = resource.Etag(r.revision)
		if err := h.write(ctx, tx, r); err != nil {
			return err
		}
		result = r.org
		if deleted {
			return h.events.deleted(ctx, tx, r.org)
		}
		return h.events.undeleted(ctx, tx, r.org)
	})
	return result, err
}

// current reads the organisation a change applies to, checking the
// caller's etag when one was sent.
func (h *handler) current(ctx context.Context, tx *sqldb.Tx, id, name, etagIn string) (*record, error) {
	r, err := getRecord(ctx, tx, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(name)
	}
	if err != nil {
		return nil, err
	}
	if err := resource.CheckEtag(name, etagIn, r.org.Etag); err != nil {
		return nil, err
	}
	return r, nil
}

// write stores a changed record; the revision check makes a concurrent
// change between read and write an etag mismatch rather than a lost update.
func (h *handler) write(ctx context.Context, tx *sqldb.Tx, r *record) error {
	ok, err := updateRecord(ctx, tx, r)
	if err != nil {
		return err
	}
	if !ok {
		return apierr.EtagMismatch(r.org.Name)
	}
	return nil
}

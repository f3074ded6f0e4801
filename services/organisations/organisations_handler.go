package organisations

import (
	"cmp"
	"context"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// organisationsHandler is the gRPC surface of OrganisationsService.
// Requests arrive already checked against their proto rules by the
// validation interceptor; the handler adds the rules that need the database
// (owners must be live organisations) and leaves the standard AIP methods to
// the resource engine.
type organisationsHandler struct {
	pb.UnimplementedOrganisationsServiceServer
	orgs resource.Engine[*orgRecord, *pb.Organisation]
}

// organisationRow reads and writes the row of organisations/{id}.
func organisationRow(id string) resource.Row[*orgRecord] {
	return resource.Row[*orgRecord]{
		Get:  func(ctx context.Context, q sqldb.Querier) (*orgRecord, error) { return getOrganisation(ctx, q, id) },
		Save: updateOrganisation,
	}
}

func (h *organisationsHandler) GetOrganisation(ctx context.Context, req *pb.GetOrganisationRequest) (*pb.Organisation, error) {
	id, err := resource.ParseOrganisation("name", req.Name)
	if err != nil {
		return nil, err
	}
	return h.orgs.Get(ctx, req.Name, organisationRow(id))
}

func (h *organisationsHandler) ListOrganisations(ctx context.Context, req *pb.ListOrganisationsRequest) (*pb.ListOrganisationsResponse, error) {
	// Callers see the organisations where they have a role; platform
	// admins see all.
	var only []string
	if p := auth.FromContext(ctx); !p.PlatformAdmin {
		only = p.Organisations()
	}
	orgs, next, err := resource.List(ctx, h.orgs.DB, organisationListSchema, req, "",
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*orgRecord]) ([]*orgRecord, error) {
			return listOrganisations(ctx, q, plan, req.ShowDeleted, only)
		})
	if err != nil {
		return nil, err
	}
	return &pb.ListOrganisationsResponse{Organisations: orgs, NextPageToken: next}, nil
}

func (h *organisationsHandler) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.Organisation, error) {
	id := cmp.Or(req.OrganisationId, resourcename.NewID())
	owners, err := ownerIDs(id, req.Organisation.Owners)
	if err != nil {
		return nil, err
	}
	r := &orgRecord{id: id, org: resource.ApplyMask(&pb.Organisation{Name: resourcename.Format(organisationCollection, id)},
		req.Organisation, organisationUpdatable)}
	return h.orgs.Create(ctx, resource.Creation[*orgRecord]{
		Record: r, ID: id, Row: organisationRow,
		// Organisations are the top collection: their keys are platform-wide.
		Key:    idempotency.For(organisationCollection[0], req),
		Check:  func(ctx context.Context, tx *sqldb.Tx) error { return checkOwners(ctx, tx, r.org.Owners, owners) },
		Insert: insertOrganisation,
	})
}

func (h *organisationsHandler) UpdateOrganisation(ctx context.Context, req *pb.UpdateOrganisationRequest) (*pb.Organisation, error) {
	if req.Organisation == nil {
		return nil, apierr.InvalidArgument("organisation", "is required")
	}
	id, err := resource.ParseOrganisation("organisation.name", req.Organisation.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), organisationUpdatable, nil)
	if err != nil {
		return nil, err
	}
	change := resource.Change[*orgRecord]{Name: req.Organisation.Name, Etag: req.Organisation.Etag, Row: organisationRow(id),
		Check: func(ctx context.Context, tx *sqldb.Tx, current, next *orgRecord) error {
			// Owning an organisation lets the owner's people read it
			// (DESIGN.md), so which organisations own this one is the
			// platform's to say; and asked first, before any owner is looked
			// up, so that the answer says nothing about other organisations.
			if p := auth.FromContext(ctx); !slices.Equal(current.org.Owners, next.org.Owners) && (p == nil || !p.PlatformAdmin) {
				return apierr.PermissionDenied("only a platform admin may change an organisation's owners")
			}
			owners, err := ownerIDs(id, next.org.Owners)
			if err != nil {
				return err
			}
			return checkOwners(ctx, tx, next.org.Owners, owners)
		}}
	return h.orgs.Update(ctx, change, paths, func(current *orgRecord) (*orgRecord, error) {
		return current.with(resource.ApplyMask(current.org, req.Organisation, paths)), nil
	})
}

func (h *organisationsHandler) DeleteOrganisation(ctx context.Context, req *pb.DeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true)
}

func (h *organisationsHandler) UndeleteOrganisation(ctx context.Context, req *pb.UndeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false)
}

func (h *organisationsHandler) setDeleted(ctx context.Context, name, etag string, deleted bool) (*pb.Organisation, error) {
	id, err := resource.ParseOrganisation("name", name)
	if err != nil {
		return nil, err
	}
	return h.orgs.SetDeleted(ctx, resource.Change[*orgRecord]{Name: name, Etag: etag, Row: organisationRow(id)}, deleted)
}

// checkOwners fails unless every owner (names, with their ids) is a live
// organisation.
func checkOwners(ctx context.Context, q sqldb.Querier, owners, ids []string) error {
	live, err := liveOrganisationIDs(ctx, q, ids)
	if err != nil {
		return err
	}
	return missingOwners(owners, live)
}

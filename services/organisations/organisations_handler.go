package organisations

import (
	"context"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
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
	return resource.Respond(&pb.ListOrganisationsResponse{}, orgs, next, err)
}

func (h *organisationsHandler) CreateOrganisation(ctx context.Context, req *pb.CreateOrganisationRequest) (*pb.Organisation, error) {
	// Organisations are the top collection: no parent, and their
	// request_ids are platform-wide.
	return h.orgs.Create(ctx, resource.Creation[*orgRecord]{Request: req, ID: req.OrganisationId,
		New: func(ids []string) (*orgRecord, error) {
			r := &orgRecord{Stored: resource.Hold(resource.ApplyMask(&pb.Organisation{Name: organisationType.Name(ids...)},
				req.Organisation, organisationType.Updatable())), id: ids[0]}
			// Owners that cannot be are refused before anything is read.
			_, err := ownerIDs(r.id, r.Msg.Owners)
			return r, err
		},
		Check: checkOwners})
}

func (h *organisationsHandler) UpdateOrganisation(ctx context.Context, req *pb.UpdateOrganisationRequest) (*pb.Organisation, error) {
	c, err := h.orgs.Patch(req.Organisation, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	c.Check = func(ctx context.Context, tx *sqldb.Tx, current, next *orgRecord) error {
		// Owning an organisation lets the owner's people read it
		// (DESIGN.md), so which organisations own this one is the
		// platform's to say; and asked first, before any owner is looked
		// up, so that the answer says nothing about other organisations.
		if p := auth.FromContext(ctx); !slices.Equal(current.Msg.Owners, next.Msg.Owners) && (p == nil || !p.PlatformAdmin) {
			return apierr.PermissionDenied("only a platform admin may change an organisation's owners")
		}
		return checkOwners(ctx, tx, next)
	}
	return h.orgs.Update(ctx, c, func(current *orgRecord) (*orgRecord, error) {
		return resource.With(current, resource.ApplyMask(current.Msg, req.Organisation, c.Paths)), nil
	})
}

func (h *organisationsHandler) DeleteOrganisation(ctx context.Context, req *pb.DeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.orgs.Delete(ctx, req.Name, req.Etag, resource.Hooks[*orgRecord]{})
}

func (h *organisationsHandler) UndeleteOrganisation(ctx context.Context, req *pb.UndeleteOrganisationRequest) (*pb.Organisation, error) {
	return h.orgs.Undelete(ctx, req.Name, req.Etag, resource.Hooks[*orgRecord]{})
}

// checkOwners fails unless every owner of r is a live organisation other
// than r.
func checkOwners(ctx context.Context, tx *sqldb.Tx, r *orgRecord) error {
	ids, err := ownerIDs(r.id, r.Msg.Owners)
	if err != nil {
		return err
	}
	live, err := liveOrganisationIDs(ctx, tx, ids)
	if err != nil {
		return err
	}
	return missingOwners(r.Msg.Owners, live)
}

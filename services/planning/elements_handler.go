package planning

import (
	"context"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// elementsHandler is the gRPC surface of the plan. Requests arrive
// already checked against their proto rules by the validation
// interceptor; the handler asks the teams service what the plan needs to
// know about teams and leaves the standard AIP methods to the resource
// engine, with the plan's hooks (elements_hooks.go): every change takes the
// plan's lock, so that rules spanning elements hold under concurrent
// changes, and updates the roll-ups of the ancestors it affects in the
// same transaction.
type elementsHandler struct {
	pb.UnimplementedElementsServiceServer
	db       *sqldb.DB
	elements resource.Engine[*elementRecord, *pb.Element]
	events   emitter
	teams    teamDirectory
	owners   ownerDirectory
}

// ownerDirectory is what the plan asks the organisations service: the
// owners of an organisation (organisations/{o} names), as the caller.
type ownerDirectory interface {
	Owners(ctx context.Context, orgID string) ([]string, error)
}

// teamDirectory is what the plan asks the teams service.
type teamDirectory interface {
	// RequireLiveTeam fails unless the team exists and is live; its
	// errors name field.
	RequireLiveTeam(ctx context.Context, field, team string) error
	// IsMember reports whether person is a member of team today.
	IsMember(ctx context.Context, team, person string) (bool, error)
}

func (h *elementsHandler) GetElement(ctx context.Context, req *pb.GetElementRequest) (*pb.Element, error) {
	return h.elements.Get(ctx, req.Name)
}

func (h *elementsHandler) ListElements(ctx context.Context, req *pb.ListElementsRequest) (*pb.ListElementsResponse, error) {
	els, next, err := h.elements.List(ctx, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*elementRecord], ids []string) ([]*elementRecord, error) {
			return listElements(ctx, q, ids[0], plan, req.ShowDeleted)
		})
	return resource.Respond(&pb.ListElementsResponse{}, els, next, err)
}

func (h *elementsHandler) CreateElement(ctx context.Context, req *pb.CreateElementRequest) (*pb.Element, error) {
	return h.elements.Create(ctx, resource.Creation[*elementRecord]{Request: req, Parent: req.Parent, ID: req.ElementId,
		New: func(ids []string) (*elementRecord, error) {
			r, err := newElement(ids[0], ids[1], req.Element)
			if err != nil {
				return nil, err
			}
			// Ask before writing anything: an unreachable teams or
			// organisations service leaves no half-made element behind.
			if err := h.checkSupports(ctx, r.orgID, r.el.Name, r.el.Supports); err != nil {
				return nil, err
			}
			return r, h.teams.RequireLiveTeam(ctx, "element.owner_team", r.el.OwnerTeam)
		},
		Lock: lockPlan, Check: checkLinks, After: afterCreate(h.events)})
}

func (h *elementsHandler) UpdateElement(ctx context.Context, req *pb.UpdateElementRequest) (*pb.Element, error) {
	c, err := h.elements.Patch(req.Element, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	orgID := c.IDs[0]
	if auth.FromContext(ctx).RoleIn(orgID) < plannerRole {
		if err := checkContributorPaths(c.Paths); err != nil {
			return nil, err
		}
	}
	// A new owner team is checked with the teams service before anything
	// is written.
	if slices.Contains(c.Paths, "owner_team") {
		if _, err := optionalRef("element.owner_team", "teams", orgID, req.Element.OwnerTeam); err != nil {
			return nil, err
		}
		if err := h.teams.RequireLiveTeam(ctx, "element.owner_team", req.Element.OwnerTeam); err != nil {
			return nil, err
		}
	}
	if slices.Contains(c.Paths, "supports") {
		if err := h.checkSupports(ctx, orgID, c.Name, req.Element.Supports); err != nil {
			return nil, err
		}
	}
	levelNamed := slices.Contains(req.UpdateMask.GetPaths(), "level")
	c.Lock, c.Check, c.After = lockPlan, checkUpdate, afterUpdate(h.events)
	return h.elements.Update(ctx, c, func(current *elementRecord) (*elementRecord, error) {
		// Which team owns the element decides whether a contributor may
		// change it, so it is asked first, of the element as it is under
		// the plan's lock.
		if err := h.mayChange(ctx, current); err != nil {
			return nil, err
		}
		return nextElement(current, req.Element, c.Paths, levelNamed)
	})
}

func (h *elementsHandler) DeleteElement(ctx context.Context, req *pb.DeleteElementRequest) (*pb.Element, error) {
	d := &deletion{em: h.events, force: req.Force}
	return h.elements.Delete(ctx, req.Name, req.Etag,
		resource.Hooks[*elementRecord]{Lock: lockPlan, Check: d.check, After: d.after})
}

func (h *elementsHandler) UndeleteElement(ctx context.Context, req *pb.UndeleteElementRequest) (*pb.Element, error) {
	return h.elements.Undelete(ctx, req.Name, req.Etag,
		resource.Hooks[*elementRecord]{Lock: lockPlan, Check: checkUndelete, After: afterUndelete(h.events)})
}

// mayChange fails unless the caller may change r: planners change any
// element, contributors those owned by teams they are members of.
func (h *elementsHandler) mayChange(ctx context.Context, r *elementRecord) error {
	p := auth.FromContext(ctx)
	if p.RoleIn(r.orgID) >= plannerRole {
		return nil
	}
	if person := p.People[r.orgID]; person != "" {
		member, err := h.teams.IsMember(ctx, r.el.OwnerTeam, person)
		if err != nil || member {
			return err
		}
	}
	return apierr.PermissionDenied("contributors may change only elements owned by teams they are members of; " +
		r.el.OwnerTeam + " owns " + r.el.Name)
}

// checkSupports fails unless the element called name, of orgID, may
// support the elements named in supports: those of other organisations only
// where a planner there accepted a link request for the pair, or where the
// organisations service says they own orgID (checkSupported).
func (h *elementsHandler) checkSupports(ctx context.Context, orgID, name string, supports []string) error {
	self, err := resource.ParseName("element.name", name, elementCollections...)
	if err != nil {
		return err
	}
	var others []string
	for _, s := range supports {
		ids, err := resource.ParseName("element.supports", s, elementCollections...)
		if err != nil {
			return err
		}
		if ids[0] == orgID || slices.Contains(others, ids[0]) {
			continue
		}
		ok, err := accepted(ctx, h.db, self, ids)
		if err != nil {
			return err
		}
		if !ok {
			others = append(others, ids[0])
		}
	}
	if len(others) == 0 {
		return nil
	}
	owners, err := h.owners.Owners(ctx, orgID)
	if err != nil {
		return err
	}
	return checkSupported(orgID, others, owners)
}

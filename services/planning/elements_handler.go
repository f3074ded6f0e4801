package planning

import (
	"context"
	"path"
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
	kpis     kpis
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
	// Remit returns the teams person leads today in the organisation
	// orgID and every team under them.
	Remit(ctx context.Context, orgID, person string) ([]string, error)
}

func (h *elementsHandler) GetElement(ctx context.Context, req *pb.GetElementRequest) (*pb.Element, error) {
	if req.AsOf == nil {
		return h.elements.Get(ctx, req.Name)
	}
	ids, err := elementType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	r, err := h.elementAt(ctx, ids[0], ids[1], req.AsOf)
	if err != nil {
		return nil, err
	}
	return r.Msg, nil
}

func (h *elementsHandler) ListElements(ctx context.Context, req *pb.ListElementsRequest) (*pb.ListElementsResponse, error) {
	if req.AsOf != nil {
		els, next, err := h.elements.ListAt(ctx, req, req.Parent, req.AsOf, req.Filter != "" || req.OrderBy != "")
		if err == nil && len(els) > 0 {
			recs := make([]*elementRecord, len(els))
			for i, el := range els {
				recs[i] = &elementRecord{Stored: resource.Hold(el), orgID: path.Base(req.Parent), id: path.Base(el.Name)}
			}
			err = rollupsAsOf(ctx, h.db, path.Base(req.Parent), req.AsOf.AsTime(), recs)
		}
		return resource.Respond(&pb.ListElementsResponse{}, els, next, err)
	}
	els, next, err := h.elements.List(ctx, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*elementRecord], ids []string) ([]*elementRecord, error) {
			return listElements(ctx, q, ids[0], plan, req.ShowDeleted)
		})
	return resource.Respond(&pb.ListElementsResponse{}, els, next, err)
}

func (h *elementsHandler) CreateElement(ctx context.Context, req *pb.CreateElementRequest) (*pb.Element, error) {
	return h.create(ctx, req, "")
}

// create answers a CreateElement request; predecessor is the id of the
// element of an earlier cycle the new one continues ("" for none).
func (h *elementsHandler) create(ctx context.Context, req *pb.CreateElementRequest, predecessor string) (*pb.Element, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	remit, delegated, err := h.delegated(ctx, orgID)
	if err != nil {
		return nil, err
	}
	check := checkCreate
	if delegated {
		check = func(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
			if err := checkCreate(ctx, tx, r); err != nil {
				return err
			}
			return remitted(ctx, tx, remit, r)
		}
	}
	return h.elements.Create(ctx, resource.Creation[*elementRecord]{Request: req, Parent: req.Parent, ID: req.ElementId,
		New: func(ids []string) (*elementRecord, error) {
			r, err := newElement(ids[0], ids[1], req.Element)
			if err != nil {
				return nil, err
			}
			if predecessor != "" {
				r.predecessorID, r.Msg.Predecessor = predecessor, elementName(ids[0], predecessor)
			}
			// Ask before writing anything: an unreachable teams or
			// organisations service leaves no half-made element behind.
			if err := h.checkSupports(ctx, r.orgID, r.Msg.Name, r.Msg.Supports); err != nil {
				return nil, err
			}
			return r, h.teams.RequireLiveTeam(ctx, "element.owner_team", r.Msg.OwnerTeam)
		},
		Lock: lockPlan, Check: check, After: afterCreate(h.events)})
}

func (h *elementsHandler) UpdateElement(ctx context.Context, req *pb.UpdateElementRequest) (*pb.Element, error) {
	c, err := h.elements.Patch(req.Element, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	orgID := c.IDs[0]
	remit, delegated, err := h.delegated(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if delegated && len(remit) == 0 {
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
	// A team lead plans the elements in their remit, before and after the
	// change; on others they are a contributor.
	lead := false
	c.Lock, c.After = lockPlan, afterUpdate(h.events)
	c.Check = func(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
		if err := checkUpdate(ctx, tx, current, next); err != nil || !lead {
			return err
		}
		if err := remitted(ctx, tx, remit, current); err != nil {
			return err
		}
		return remitted(ctx, tx, remit, next)
	}
	return h.elements.Update(ctx, c, func(current *elementRecord) (*elementRecord, error) {
		// Which team owns the element decides what the caller may change,
		// so it is asked first, of the element as it is under the plan's
		// lock.
		lead = delegated && inRemit(remit, current)
		if delegated && !lead {
			if err := h.mayContribute(ctx, current, c.Paths); err != nil {
				if len(remit) > 0 {
					return nil, checkRemit(remit, current, "") // a lead is told the lead's rule
				}
				return nil, err
			}
		}
		return nextElement(current, req.Element, c.Paths, levelNamed)
	})
}

func (h *elementsHandler) DeleteElement(ctx context.Context, req *pb.DeleteElementRequest) (*pb.Element, error) {
	d := &deletion{em: h.events, force: req.Force}
	check, err := h.withRemit(ctx, req.Name, d.check, func(remit []string) error {
		// What goes with the element must be the lead's too.
		for _, e := range d.descendants {
			if !slices.Contains(remit, e.Msg.OwnerTeam) {
				return checkRemit(remit, e, "")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h.elements.Delete(ctx, req.Name, req.Etag, resource.Hooks[*elementRecord]{Lock: lockPlan, Check: check, After: d.after})
}

func (h *elementsHandler) UndeleteElement(ctx context.Context, req *pb.UndeleteElementRequest) (*pb.Element, error) {
	check, err := h.withRemit(ctx, req.Name, checkUndelete, nil)
	if err != nil {
		return nil, err
	}
	return h.elements.Undelete(ctx, req.Name, req.Etag, resource.Hooks[*elementRecord]{Lock: lockPlan, Check: check, After: afterUndelete(h.events)})
}

// delegated returns, for a caller below ROLE_PLANNER in orgID, the remit
// of the teams they lead (asked of the teams service; none for an API
// token) and true; for a planner, who plans freely, nil and false.
func (h *elementsHandler) delegated(ctx context.Context, orgID string) ([]string, bool, error) {
	p := auth.FromContext(ctx)
	if p.RoleIn(orgID) >= plannerRole {
		return nil, false, nil
	}
	person := p.People[orgID]
	if person == "" {
		return nil, true, nil
	}
	remit, err := h.teams.Remit(ctx, orgID, person)
	return remit, true, err
}

// changeCheck is the Check hook of a change to an element.
type changeCheck = func(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error

// withRemit returns check, followed, for a caller below ROLE_PLANNER, by
// the remit of the teams they lead over the element called name (and
// more, when not nil).
func (h *elementsHandler) withRemit(ctx context.Context, name string, check changeCheck,
	more func(remit []string) error) (changeCheck, error) {
	ids, err := elementType.Parse("name", name)
	if err != nil {
		return nil, err
	}
	remit, delegated, err := h.delegated(ctx, ids[0])
	if err != nil || !delegated {
		return check, err
	}
	return func(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
		if err := check(ctx, tx, current, next); err != nil {
			return err
		}
		if err := remitted(ctx, tx, remit, current); err != nil || more == nil {
			return err
		}
		return more(remit)
	}, nil
}

// remitted applies checkRemit to r, with its parent's owner team read in
// tx.
func remitted(ctx context.Context, tx *sqldb.Tx, remit []string, r *elementRecord) error {
	owner := ""
	if r.parentID != "" {
		p, err := linked(ctx, tx, "element.parent", r.orgID, r.parentID)
		if err != nil {
			return err
		}
		owner = p.Msg.OwnerTeam
	}
	return checkRemit(remit, r, owner)
}

// mayContribute fails unless a contributor may change paths of r: its
// status and progress, when a team they are a member of owns it.
func (h *elementsHandler) mayContribute(ctx context.Context, r *elementRecord, paths []string) error {
	if err := checkContributorPaths(paths); err != nil {
		return err
	}
	if member, err := h.memberOfOwner(ctx, r); err != nil || member {
		return err
	}
	return apierr.PermissionDenied("contributors may change only elements owned by teams they are members of; " +
		r.Msg.OwnerTeam + " owns " + r.Msg.Name)
}

// memberOfOwner reports whether the caller is a member, today, of the team
// that owns r (asked of the teams service; never for an API token).
func (h *elementsHandler) memberOfOwner(ctx context.Context, r *elementRecord) (bool, error) {
	person := auth.FromContext(ctx).People[r.orgID]
	if person == "" {
		return false, nil
	}
	return h.teams.IsMember(ctx, r.Msg.OwnerTeam, person)
}

// checkSupports fails unless the element called name, of orgID, may
// support the elements named in supports: those of other organisations only
// where a planner there accepted a link request for the pair, or where the
// organisations service says they own orgID (checkSupported).
func (h *elementsHandler) checkSupports(ctx context.Context, orgID, name string, supports []string) error {
	self, err := elementType.Parse("element.name", name)
	if err != nil {
		return err
	}
	var others []string
	for _, s := range supports {
		ids, err := elementType.Parse("element.supports", s)
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

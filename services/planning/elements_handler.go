package planning

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"buf.build/go/protovalidate"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// elementsHandler is the gRPC surface of the plan. Every change to an
// organisation's plan takes the plan's lock, so that rules spanning
// elements (horizons, one thematic goal per team) hold under concurrent
// changes, and updates the roll-ups of the ancestors it affects in the
// same transaction.
type elementsHandler struct {
	pb.UnimplementedElementsServiceServer
	db     *sqldb.DB
	dir    lookup.Teams
	events emitter
}

// planLock is the lock key of an organisation's plan.
func planLock(orgID string) string { return "planning/plan/" + orgID }

func (h *elementsHandler) GetElement(ctx context.Context, req *pb.GetElementRequest) (*pb.Element, error) {
	r, err := h.find(ctx, h.db, req.Name)
	if err != nil {
		return nil, err
	}
	return r.el, nil
}

func (h *elementsHandler) ListElements(ctx context.Context, req *pb.ListElementsRequest) (*pb.ListElementsResponse, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	plan, err := elementListSchema.Build(listing.Request{PageSize: req.PageSize, PageToken: req.PageToken, Filter: req.Filter,
		OrderBy: req.OrderBy, Scope: req.Parent + " show_deleted=" + strconv.FormatBool(req.ShowDeleted)})
	if err != nil {
		return nil, err
	}
	rows, err := listElements(ctx, h.db, orgID, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListElementsResponse{NextPageToken: next, Elements: make([]*pb.Element, len(rows))}
	for i, r := range rows {
		resp.Elements[i] = r.el
	}
	return resp, nil
}

func (h *elementsHandler) CreateElement(ctx context.Context, req *pb.CreateElementRequest) (*pb.Element, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	id := req.ElementId
	if id == "" {
		id = resourcename.NewID()
	}
	key := idempotency.For(req.Parent+"/elements", req)
	in := req.Element
	t := resource.Now()
	r := &elementRecord{orgID: orgID, id: id, revision: 1, el: &pb.Element{
		Name: elementName(orgID, id), Level: in.Level, ObjectiveKind: in.ObjectiveKind, Title: in.Title,
		Description: in.Description, OwnerTeam: in.OwnerTeam, StartDate: in.StartDate, EndDate: in.EndDate,
		Status: in.Status, PriorityRank: in.PriorityRank, Progress: in.Progress, Parent: in.Parent,
		Supports: in.Supports, ThematicGoal: in.ThematicGoal, CreateTime: t, UpdateTime: t,
		Etag: resource.Etag(1), UpdateActor: auth.Actor(ctx, serviceName),
	}}
	if r.el.Status == pb.Status_STATUS_UNSPECIFIED {
		r.el.Status = pb.Status_STATUS_PROPOSED
	}
	if r.el.Level != pb.Level_LEVEL_TACTIC && r.el.Progress != 0 {
		return nil, apierr.InvalidArgument("element.progress", "is set by hand only on tactics; on other levels it is rolled up")
	}
	if err := r.resolve(); err != nil {
		return nil, err
	}
	// Ask before writing anything: an unreachable teams service leaves no
	// half-made element behind.
	if err := h.dir.RequireLiveTeam(ctx, "element.owner_team", r.el.OwnerTeam); err != nil {
		return nil, err
	}
	r.manualProgress = r.el.Progress
	r.el.KpiHealth = pb.Health_HEALTH_UNKNOWN
	r.el.Health, r.el.Progress = rollup(r.el.Level, r.el.Status, r.manualProgress, r.el.KpiHealth, nil)

	var result *pb.Element
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, planLock(orgID)); err != nil {
			return err
		}
		prior, retried, err := resource.CheckNew(ctx, tx, key, id,
			func(id string) (*elementRecord, error) { return getElement(ctx, tx, orgID, id) }, r.el.Name)
		if err != nil {
			return err
		}
		if retried {
			result = prior.el
			return nil
		}
		if err := checkLinks(ctx, tx, r); err != nil {
			return err
		}
		if err := insertElement(ctx, tx, r); err != nil {
			return err
		}
		if err := key.Claim(ctx, tx, id); err != nil {
			return err
		}
		result = r.el
		if err := h.events.created(ctx, tx, r.el); err != nil {
			return err
		}
		return refresh(ctx, tx, h.events, orgID, r.parentID, r.el.Name)
	})
	if sqldb.IsUniqueViolation(err) {
		return nil, apierr.AlreadyExists(r.el.Name)
	}
	return result, err
}

func (h *elementsHandler) UpdateElement(ctx context.Context, req *pb.UpdateElementRequest) (*pb.Element, error) {
	if req.Element == nil {
		return nil, apierr.InvalidArgument("element", "is required")
	}
	orgID, id, err := parseElementName("element.name", req.Element.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), elementUpdatable, elementComputed)
	if err != nil {
		return nil, err
	}
	if err := h.mayUpdate(ctx, orgID, paths); err != nil {
		return nil, err
	}
	// A new owner team is checked with the teams service before anything
	// is written.
	if slices.Contains(paths, "owner_team") {
		if _, err := sameOrgID("element.owner_team", "teams", orgID, req.Element.OwnerTeam); err != nil {
			return nil, err
		}
		if err := h.dir.RequireLiveTeam(ctx, "element.owner_team", req.Element.OwnerTeam); err != nil {
			return nil, err
		}
	}
	var result *pb.Element
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, planLock(orgID)); err != nil {
			return err
		}
		cur, err := resource.Current(func() (*elementRecord, error) { return getElement(ctx, tx, orgID, id) },
			func(r *elementRecord) string { return r.el.Etag }, req.Element.Name, req.Element.Etag)
		if err != nil {
			return err
		}
		if cur.el.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Element.Name, "is deleted; undelete it before updating")
		}
		if slices.Contains(req.UpdateMask.GetPaths(), "level") && req.Element.Level != cur.el.Level {
			return apierr.InvalidArgument("element.level", "cannot change; create an element at the other level instead")
		}
		if slices.Contains(paths, "progress") && cur.el.Level != pb.Level_LEVEL_TACTIC {
			return apierr.InvalidArgument("element.progress", "is set by hand only on tactics; on other levels it is rolled up")
		}
		if err := h.mayUpdateElement(ctx, cur, paths); err != nil {
			return err
		}
		next := applyElementMask(cur.el, req.Element, paths)
		if err := protovalidate.Validate(next); err != nil {
			return interceptor.ValidationStatus(err, "element.")
		}
		r := &elementRecord{el: next, orgID: orgID, id: id, revision: cur.revision + 1, manualProgress: cur.manualProgress}
		if cur.el.Level == pb.Level_LEVEL_TACTIC {
			r.manualProgress = next.Progress
		}
		if err := r.resolve(); err != nil {
			return err
		}
		if !elementChanged(cur, r) {
			result = cur.el
			return nil
		}
		if next.OwnerTeam != cur.el.OwnerTeam {
			next.OwnerTeamDeleted = false
		}
		if err := checkLinks(ctx, tx, r); err != nil {
			return err
		}
		if err := checkDependants(ctx, tx, cur, r); err != nil {
			return err
		}
		next.UpdateTime = resource.Now()
		next.Etag = resource.Etag(r.revision)
		next.UpdateActor = auth.Actor(ctx, serviceName)
		if err := writeElement(ctx, tx, r); err != nil {
			return err
		}
		result = next
		if err := h.events.updated(ctx, tx, next, paths); err != nil {
			return err
		}
		// The element's own roll-up, then its parent's, whose inputs (this
		// child's status, say) may have changed even when the element's
		// roll-up did not; and the parent it left, if it moved.
		return refreshAll(ctx, tx, h.events, orgID, next.Name, id, r.parentID, cur.parentID)
	})
	return result, err
}

func (h *elementsHandler) DeleteElement(ctx context.Context, req *pb.DeleteElementRequest) (*pb.Element, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true, req.Force)
}

func (h *elementsHandler) UndeleteElement(ctx context.Context, req *pb.UndeleteElementRequest) (*pb.Element, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false, false)
}

// setDeleted soft-deletes an element (with its live subtree when force) or
// restores it (AIP-164), then updates its ancestors' roll-ups.
func (h *elementsHandler) setDeleted(ctx context.Context, name, etag string, deleted, force bool) (*pb.Element, error) {
	orgID, id, err := parseElementName("name", name)
	if err != nil {
		return nil, err
	}
	var result *pb.Element
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, planLock(orgID)); err != nil {
			return err
		}
		r, err := resource.Current(func() (*elementRecord, error) { return getElement(ctx, tx, orgID, id) },
			func(r *elementRecord) string { return r.el.Etag }, name, etag)
		if err != nil {
			return err
		}
		if err := resource.CheckDeleteTransition(name, r.el.DeleteTime != nil, deleted); err != nil {
			return err
		}
		actor := auth.Actor(ctx, serviceName)
		if !deleted {
			if err := checkLinks(ctx, tx, r); err != nil {
				return err
			}
			markDeleted(r, false, false, actor)
			if err := writeElement(ctx, tx, r); err != nil {
				return err
			}
			result = r.el
			if err := h.events.undeleted(ctx, tx, r.el, ""); err != nil {
				return err
			}
			return refreshAll(ctx, tx, h.events, orgID, name, id, r.parentID)
		}
		doomed, err := deletable(ctx, tx, r, force)
		if err != nil {
			return err
		}
		for i, d := range doomed {
			markDeleted(d, true, false, actor)
			if err := writeElement(ctx, tx, d); err != nil {
				return err
			}
			cause := name
			if i == 0 {
				cause = ""
			}
			if err := h.events.deleted(ctx, tx, d.el, cause); err != nil {
				return err
			}
		}
		result = r.el
		return refresh(ctx, tx, h.events, orgID, r.parentID, name)
	})
	return result, err
}

// deletable returns the element and, when force, its live descendants,
// refusing when it has live children without force, or live defining
// objectives.
func deletable(ctx context.Context, tx *sqldb.Tx, r *elementRecord, force bool) ([]*elementRecord, error) {
	if r.el.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		if d, err := firstLive(ctx, tx, "organisation_id = ? AND thematic_goal_id = ?", r.orgID, r.id); err != nil {
			return nil, err
		} else if d != nil {
			return nil, apierr.FailedPrecondition(r.el.Name, "defining objectives such as "+d.el.Name+" name it; delete them first")
		}
	}
	doomed, err := subtree(ctx, tx, r.orgID, r.id)
	if err != nil {
		return nil, err
	}
	if len(doomed) > 1 && !force {
		return nil, apierr.FailedPrecondition(r.el.Name, fmt.Sprintf("has %d live elements under it; set force to delete them with it", len(doomed)-1))
	}
	if len(doomed) == 0 || doomed[0].id != r.id {
		return nil, fmt.Errorf("subtree of %s does not start with it", r.el.Name)
	}
	doomed[0] = r // the record whose etag was checked
	return doomed, nil
}

// find reads the element named, or NOT_FOUND.
func (h *elementsHandler) find(ctx context.Context, q sqldb.Querier, name string) (*elementRecord, error) {
	orgID, id, err := parseElementName("name", name)
	if err != nil {
		return nil, err
	}
	r, err := getElement(ctx, q, orgID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(name)
	}
	return r, err
}

// mayUpdate narrows what a contributor may change: the status and progress
// of elements owned by teams they are members of (checked by
// mayUpdateElement).
func (h *elementsHandler) mayUpdate(ctx context.Context, orgID string, paths []string) error {
	p := auth.FromContext(ctx)
	if p.RoleIn(orgID) >= plannerRole {
		return nil
	}
	for _, path := range paths {
		if !slices.Contains(contributorFields, path) {
			return apierr.PermissionDenied(fmt.Sprintf("contributors may change only %v; %s needs a planner", contributorFields, path))
		}
	}
	return nil
}

func (h *elementsHandler) mayUpdateElement(ctx context.Context, r *elementRecord, paths []string) error {
	p := auth.FromContext(ctx)
	if p.RoleIn(r.orgID) >= plannerRole {
		return nil
	}
	person := p.People[r.orgID]
	if person != "" {
		member, err := h.dir.IsMember(ctx, r.el.OwnerTeam, person)
		if err != nil || member {
			return err
		}
	}
	return apierr.PermissionDenied("contributors may change only elements owned by teams they are members of; " +
		r.el.OwnerTeam + " owns " + r.el.Name)
}

// markDeleted moves r to its next revision, deleted or restored by actor;
// withOrg records that the organisation's deletion caused it.
func markDeleted(r *elementRecord, deleted, withOrg bool, actor string) {
	r.revision++
	r.el.UpdateTime = resource.Now()
	r.el.DeleteTime = nil
	if deleted {
		r.el.DeleteTime = r.el.UpdateTime
	}
	r.deletedWithOrg = withOrg
	r.el.Etag = resource.Etag(r.revision)
	r.el.UpdateActor = actor
}

// writeElement stores a changed record, or ABORTED when it changed meanwhile.
func writeElement(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	ok, err := updateElement(ctx, tx, r)
	if err != nil {
		return err
	}
	if !ok {
		return apierr.EtagMismatch(r.el.Name)
	}
	return nil
}

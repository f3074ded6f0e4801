package kpis

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// kpisHandler is the gRPC surface of KpisService. It leaves the standard
// methods to the resource engine, the KPI's rules to kpis_rules.go, and
// adds the hooks: the organisation's KPI lock, and the status upkeep after
// each change (recompute.go), which the planning service rolls up.
type kpisHandler struct {
	pb.UnimplementedKpisServiceServer
	kpis   resource.Engine[*kpiRecord, *pb.Kpi]
	dir    directory
	events emitter
}

func (h *kpisHandler) GetKpi(ctx context.Context, req *pb.GetKpiRequest) (*pb.Kpi, error) {
	k, err := h.kpis.GetAt(ctx, req.Name, req.AsOf)
	if err != nil {
		return nil, err
	}
	if err := withHistory(ctx, h.kpis.DB, k); err != nil {
		return nil, err
	}
	madeBy(req.AsOf, k)
	return k, nil
}

// madeBy keeps, of the target history of kpis, the versions made by at
// (all when at is nil): a KPI as it stood then.
func madeBy(at *timestamppb.Timestamp, kpis ...*pb.Kpi) {
	if at == nil {
		return
	}
	for _, k := range kpis {
		k.TargetHistory = slices.DeleteFunc(k.TargetHistory, func(v *pb.TargetVersion) bool { return v.ChangeTime.AsTime().After(at.AsTime()) })
	}
}

func (h *kpisHandler) ListKpis(ctx context.Context, req *pb.ListKpisRequest) (*pb.ListKpisResponse, error) {
	list := func() ([]*pb.Kpi, string, error) { return h.kpis.List(ctx, req, req.Parent, nil) }
	if req.AsOf != nil {
		list = func() ([]*pb.Kpi, string, error) {
			return h.kpis.ListAt(ctx, req, req.Parent, req.AsOf, req.Filter != "" || req.OrderBy != "")
		}
	}
	kpis, next, err := list()
	if err == nil {
		err = withHistory(ctx, h.kpis.DB, kpis...)
		madeBy(req.AsOf, kpis...)
	}
	return resource.Respond(&pb.ListKpisResponse{}, kpis, next, err)
}

func (h *kpisHandler) CreateKpi(ctx context.Context, req *pb.CreateKpiRequest) (*pb.Kpi, error) {
	return h.kpis.Create(ctx, resource.Creation[*kpiRecord]{Request: req, Parent: req.Parent, ID: req.KpiId,
		New: func(ids []string) (*kpiRecord, error) {
			k, err := newKpi(ids[0], kpiType.Name(ids...), req.Kpi)
			if err != nil {
				return nil, err
			}
			// Ask before writing anything: an unreachable planning or teams
			// service leaves no half-made KPI behind.
			el, err := h.liveRefs(ctx, k, true, true)
			if err != nil {
				return nil, err
			}
			r := &kpiRecord{Stored: resource.Hold(k), orgID: ids[0], id: ids[1]}
			r.setElement(el)
			applyLatest(r, nil, nil, dates.Format(dates.Today()))
			return r, nil
		},
		After: func(ctx context.Context, tx *sqldb.Tx, r *kpiRecord) error {
			if err := addVersion(ctx, tx, r, ""); err != nil {
				return err
			}
			// The plan learns the element has a KPI (NO_DATA so far).
			return h.events.statusChanged(ctx, tx, r.Msg, pb.KpiStatus_KPI_STATUS_UNSPECIFIED, "")
		}})
}

func (h *kpisHandler) UpdateKpi(ctx context.Context, req *pb.UpdateKpiRequest) (*pb.Kpi, error) {
	c, err := h.kpis.Patch(req.Kpi, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	orgID := c.IDs[0]
	// Ask about a new element or owner team before the transaction, so that
	// no lock is held over a call to another service.
	element, team := slices.Contains(c.Paths, "element"), slices.Contains(c.Paths, "owner_team")
	if err := checkKpiRefs(orgID, req.Kpi, element, team); err != nil {
		return nil, err
	}
	el, err := h.liveRefs(ctx, req.Kpi, element, team)
	if err != nil {
		return nil, err
	}
	effective := dates.Format(dates.Today())
	if req.TargetsEffectiveDate != nil {
		if err := dates.Check("targets_effective_date", req.TargetsEffectiveDate); err != nil {
			return nil, err
		}
		effective = dates.Format(req.TargetsEffectiveDate)
	}
	c.Lock = kpiLock
	c.After = func(ctx context.Context, tx *sqldb.Tx, current, next *kpiRecord) error {
		if !sameGrading(current.Msg, next.Msg) {
			if err := addVersion(ctx, tx, next, effective); err != nil {
				return err
			}
		}
		// New targets, thresholds or frequency may change the status, and a
		// new element must hear of it.
		return recompute(ctx, tx, h.events, next, movedFrom(current.Msg, next.Msg))
	}
	return h.kpis.Update(ctx, c, func(current *kpiRecord) (*kpiRecord, error) {
		next, err := reviseKpi(orgID, current.Msg, resource.ApplyMask(current.Msg, req.Kpi, c.Paths))
		r := resource.With(current, next)
		if el != nil {
			r.setElement(el)
		}
		return r, err
	})
}

func (h *kpisHandler) DeleteKpi(ctx context.Context, req *pb.DeleteKpiRequest) (*pb.Kpi, error) {
	return h.kpis.Delete(ctx, req.Name, req.Etag, h.deletion(true))
}

func (h *kpisHandler) UndeleteKpi(ctx context.Context, req *pb.UndeleteKpiRequest) (*pb.Kpi, error) {
	return h.kpis.Undelete(ctx, req.Name, req.Etag, h.deletion(false))
}

// deletion is the hooks of soft-deleting or restoring a KPI (AIP-164): the
// plan hears that it measures its element no more, or again.
func (h *kpisHandler) deletion(deleted bool) resource.Hooks[*kpiRecord] {
	return resource.Hooks[*kpiRecord]{Lock: kpiLock,
		After: func(ctx context.Context, tx *sqldb.Tx, _, r *kpiRecord) error {
			if deleted {
				return deletedStatus(ctx, tx, h.events, r, r.Msg.Status)
			}
			return h.events.statusChanged(ctx, tx, r.Msg, pb.KpiStatus_KPI_STATUS_UNSPECIFIED, "")
		}}
}

// liveRefs asks the planning and teams services whether k's element
// (when element) and owner team (when team) are live, and returns the
// element (nil when not asked).
func (h *kpisHandler) liveRefs(ctx context.Context, k *pb.Kpi, element, team bool) (*planningpb.Element, error) {
	var el *planningpb.Element
	if element {
		var err error
		if el, err = h.dir.liveElement(ctx, k.Element); err != nil {
			return nil, err
		}
	}
	if team {
		return el, h.dir.RequireLiveTeam(ctx, "kpi.owner_team", k.OwnerTeam)
	}
	return el, nil
}

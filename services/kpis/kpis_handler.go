package kpis

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"buf.build/go/protovalidate"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// kpisHandler is the gRPC surface of KPIs.
type kpisHandler struct {
	pb.UnimplementedKpisServiceServer
	db     *sqldb.DB
	dir    directory
	events emitter
}

func (h *kpisHandler) GetKpi(ctx context.Context, req *pb.GetKpiRequest) (*pb.Kpi, error) {
	r, err := findKpi(ctx, h.db, "name", req.Name)
	if err != nil {
		return nil, err
	}
	return r.kpi, nil
}

func (h *kpisHandler) ListKpis(ctx context.Context, req *pb.ListKpisRequest) (*pb.ListKpisResponse, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	plan, err := kpiListSchema.Build(listing.Request{PageSize: req.PageSize, PageToken: req.PageToken, Filter: req.Filter,
		OrderBy: req.OrderBy, Scope: req.Parent + " show_deleted=" + strconv.FormatBool(req.ShowDeleted)})
	if err != nil {
		return nil, err
	}
	rows, err := listKpis(ctx, h.db, orgID, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListKpisResponse{NextPageToken: next, Kpis: make([]*pb.Kpi, len(rows))}
	for i, r := range rows {
		resp.Kpis[i] = r.kpi
	}
	return resp, nil
}

func (h *kpisHandler) CreateKpi(ctx context.Context, req *pb.CreateKpiRequest) (*pb.Kpi, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	id := req.KpiId
	if id == "" {
		id = resourcename.NewID()
	}
	key := idempotency.For(req.Parent+"/kpis", req)
	in := req.Kpi
	t := resource.Now()
	r := &kpiRecord{orgID: orgID, id: id, revision: 1, kpi: &pb.Kpi{
		Name: kpiName(orgID, id), Title: in.Title, Description: in.Description, Unit: in.Unit, CurrencyCode: in.CurrencyCode,
		Direction: in.Direction, Baseline: in.Baseline, Targets: in.Targets, Thresholds: in.Thresholds, Frequency: in.Frequency,
		Element: in.Element, OwnerTeam: in.OwnerTeam, DataSource: in.DataSource, CreateTime: t, UpdateTime: t,
		Etag: resource.Etag(1), UpdateActor: auth.Actor(ctx, serviceName),
	}}
	if err := r.resolve(); err != nil {
		return nil, err
	}
	// Ask before writing anything: an unreachable planning or teams service
	// leaves no half-made KPI behind.
	if err := h.checkRefs(ctx, r.kpi, true, true); err != nil {
		return nil, err
	}
	applyLatest(r, nil, today())
	var result *pb.Kpi
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		prior, retried, err := resource.CheckNew(ctx, tx, key, id,
			func(id string) (*kpiRecord, error) { return getKpi(ctx, tx, orgID, id) }, r.kpi.Name)
		if err != nil {
			return err
		}
		if retried {
			result = prior.kpi
			return nil
		}
		if err := insertKpi(ctx, tx, r); err != nil {
			return err
		}
		if err := key.Claim(ctx, tx, id); err != nil {
			return err
		}
		result = r.kpi
		if err := h.events.kpiCreated(ctx, tx, r.kpi); err != nil {
			return err
		}
		// The plan learns the element has a KPI (NO_DATA so far).
		return h.events.statusChanged(ctx, tx, r.kpi, pb.KpiStatus_KPI_STATUS_UNSPECIFIED, "")
	})
	if sqldb.IsUniqueViolation(err) {
		return nil, apierr.AlreadyExists(r.kpi.Name)
	}
	return result, err
}

func (h *kpisHandler) UpdateKpi(ctx context.Context, req *pb.UpdateKpiRequest) (*pb.Kpi, error) {
	if req.Kpi == nil {
		return nil, apierr.InvalidArgument("kpi", "is required")
	}
	orgID, id, err := parseKpiName("kpi.name", req.Kpi.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), kpiUpdatable, kpiComputed)
	if err != nil {
		return nil, err
	}
	elementMoved, teamChanged := slices.Contains(paths, "element"), slices.Contains(paths, "owner_team")
	if elementMoved || teamChanged {
		probe := &kpiRecord{orgID: orgID, kpi: &pb.Kpi{Element: req.Kpi.Element, OwnerTeam: req.Kpi.OwnerTeam}}
		if err := probe.resolveRefs(elementMoved, teamChanged); err != nil {
			return nil, err
		}
		if err := h.checkRefs(ctx, req.Kpi, elementMoved, teamChanged); err != nil {
			return nil, err
		}
	}
	var result *pb.Kpi
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := lockKpis(ctx, tx, orgID); err != nil {
			return err
		}
		cur, err := resource.Current(func() (*kpiRecord, error) { return getKpi(ctx, tx, orgID, id) },
			func(r *kpiRecord) string { return r.kpi.Etag }, req.Kpi.Name, req.Kpi.Etag)
		if err != nil {
			return err
		}
		if cur.kpi.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Kpi.Name, "is deleted; undelete it before updating")
		}
		next := applyKpiMask(cur.kpi, req.Kpi, paths)
		if err := protovalidate.Validate(next); err != nil {
			return interceptor.ValidationStatus(err, "kpi.")
		}
		r := &kpiRecord{kpi: next, orgID: orgID, id: id, revision: cur.revision + 1, dueDate: cur.dueDate}
		if err := r.resolve(); err != nil {
			return err
		}
		next.UpdateTime = resource.Now()
		next.Etag = resource.Etag(r.revision)
		next.UpdateActor = auth.Actor(ctx, serviceName)
		if r.elementID != cur.elementID {
			next.ElementDeleted = false
		}
		if err := writeKpi(ctx, tx, r); err != nil {
			return err
		}
		result = next
		if err := h.events.kpiUpdated(ctx, tx, next, paths); err != nil {
			return err
		}
		previous := ""
		if r.elementID != cur.elementID {
			previous = cur.kpi.Element
		}
		// New targets, thresholds or frequency may change the status.
		return recompute(ctx, tx, h.events, r, previous)
	})
	return result, err
}

func (h *kpisHandler) DeleteKpi(ctx context.Context, req *pb.DeleteKpiRequest) (*pb.Kpi, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true)
}

func (h *kpisHandler) UndeleteKpi(ctx context.Context, req *pb.UndeleteKpiRequest) (*pb.Kpi, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false)
}

// setDeleted soft-deletes or restores a KPI (AIP-164); the plan hears that
// it measures its element no more, or again.
func (h *kpisHandler) setDeleted(ctx context.Context, name, etag string, deleted bool) (*pb.Kpi, error) {
	orgID, id, err := parseKpiName("name", name)
	if err != nil {
		return nil, err
	}
	var result *pb.Kpi
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := lockKpis(ctx, tx, orgID); err != nil {
			return err
		}
		r, err := resource.Current(func() (*kpiRecord, error) { return getKpi(ctx, tx, orgID, id) },
			func(r *kpiRecord) string { return r.kpi.Etag }, name, etag)
		if err != nil {
			return err
		}
		if err := resource.CheckDeleteTransition(name, r.kpi.DeleteTime != nil, deleted); err != nil {
			return err
		}
		markDeleted(r, deleted, false, auth.Actor(ctx, serviceName))
		if err := writeKpi(ctx, tx, r); err != nil {
			return err
		}
		result = r.kpi
		if deleted {
			if err := h.events.kpiDeleted(ctx, tx, r.kpi, ""); err != nil {
				return err
			}
			return deletedStatus(ctx, tx, h.events, r, r.kpi.Status)
		}
		if err := h.events.kpiUndeleted(ctx, tx, r.kpi, ""); err != nil {
			return err
		}
		return h.events.statusChanged(ctx, tx, r.kpi, pb.KpiStatus_KPI_STATUS_UNSPECIFIED, "")
	})
	return result, err
}

// checkRefs asks the planning and teams services whether the element and
// the owner team are live.
func (h *kpisHandler) checkRefs(ctx context.Context, k *pb.Kpi, element, team bool) error {
	if element {
		if err := h.dir.requireLiveElement(ctx, k.Element); err != nil {
			return err
		}
	}
	if team {
		return h.dir.RequireLiveTeam(ctx, "kpi.owner_team", k.OwnerTeam)
	}
	return nil
}

// resolve checks r's own rules and fills in the ids it refers to.
func (r *kpiRecord) resolve() error {
	if err := checkKpi(r.kpi); err != nil {
		return err
	}
	return r.resolveRefs(true, true)
}

func (r *kpiRecord) resolveRefs(element, team bool) error {
	var err error
	if element {
		if r.elementID, err = sameOrgID("kpi.element", "elements", r.orgID, r.kpi.Element); err != nil {
			return err
		}
	}
	if team {
		r.ownerTeamID, err = sameOrgID("kpi.owner_team", "teams", r.orgID, r.kpi.OwnerTeam)
	}
	return err
}

// findKpi reads the KPI named in field, or NOT_FOUND.
func findKpi(ctx context.Context, q sqldb.Querier, field, name string) (*kpiRecord, error) {
	orgID, id, err := parseKpiName(field, name)
	if err != nil {
		return nil, err
	}
	r, err := getKpi(ctx, q, orgID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(name)
	}
	return r, err
}

// markDeleted moves r to its next revision, deleted or restored by actor;
// withOrg records that the organisation's deletion caused it.
func markDeleted(r *kpiRecord, deleted, withOrg bool, actor string) {
	r.revision++
	r.kpi.UpdateTime = resource.Now()
	r.kpi.DeleteTime = nil
	if deleted {
		r.kpi.DeleteTime = r.kpi.UpdateTime
	}
	r.deletedWithOrg = withOrg
	r.kpi.Etag = resource.Etag(r.revision)
	r.kpi.UpdateActor = actor
}

// writeKpi stores a changed record, or ABORTED when it changed meanwhile.
func writeKpi(ctx context.Context, tx *sqldb.Tx, r *kpiRecord) error {
	ok, err := updateKpi(ctx, tx, r)
	if err != nil {
		return err
	}
	if !ok {
		return apierr.EtagMismatch(r.kpi.Name)
	}
	return nil
}

package kpis

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// measurementsHandler is the gRPC surface of MeasurementsService. Get,
// List, corrections and deletions go through the resource engine; single
// creates, batches and CSV imports through one batch path, record
// (measurements_batch.go), so they obey the same rules and report bad rows
// the same way. Every change is under the organisation's KPI lock and
// recomputes the KPI's status.
type measurementsHandler struct {
	pb.UnimplementedMeasurementsServiceServer
	measurements resource.Engine[*measurementRecord, *pb.Measurement]
	dir          directory
	events       emitter
}

// measurementDeletedHint is what an update of a deleted measurement is told
// (the engine's DeletedHint): measurements have no undelete, so the way
// back is to record the period again.
const measurementDeletedHint = "is deleted; record its period again instead"

func (h *measurementsHandler) GetMeasurement(ctx context.Context, req *pb.GetMeasurementRequest) (*pb.Measurement, error) {
	m, err := h.measurements.Get(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	ids, err := measurementType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	return m, gradeValues(ctx, h.measurements.DB, ids[0], ids[1:2], []*pb.Measurement{m})
}

// kpiOf returns the ids of the KPI a request's parent names: NOT_FOUND
// when there is none, deleted or not.
// kpiOrAll is kpiOf, or, for organisations/{o}/kpis/-, the organisation's
// id and "" for every KPI.
func (h *measurementsHandler) kpiOrAll(ctx context.Context, parent string) (orgID, kpiID string, err error) {
	if org, ok := strings.CutSuffix(parent, "/kpis/-"); ok {
		orgID, err = resource.ParseOrganisation("parent", org)
		return orgID, "", err
	}
	return h.kpiOf(ctx, parent)
}

// micros is ts in microseconds, 0 for none.
func micros(ts *timestamppb.Timestamp) int64 {
	if ts == nil {
		return 0
	}
	return resource.Micros(ts)
}

func (h *measurementsHandler) kpiOf(ctx context.Context, parent string) (orgID, kpiID string, err error) {
	ids, err := measurementType.ParseParent("parent", parent)
	if err != nil {
		return "", "", err
	}
	if _, err := kpiType.Lookup(ctx, h.measurements.DB, ids...); err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

func (h *measurementsHandler) ListMeasurements(ctx context.Context, req *pb.ListMeasurementsRequest) (*pb.ListMeasurementsResponse, error) {
	orgID, kpiID, err := h.kpiOrAll(ctx, req.Parent)
	if err != nil {
		return nil, err
	}
	from, to, err := dateRange(req.StartDate, req.EndDate)
	if err != nil {
		return nil, err
	}
	sel := measurementSelection{orgID: orgID, kpiID: kpiID, from: from, to: to,
		since: micros(req.RecordedSince), until: micros(req.RecordedUntil)}
	var kpiIDs []string
	ms, next, err := resource.List(ctx, h.measurements.DB, measurementListSchema, req, fmt.Sprint(req.Parent, " ", sel),
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*measurementRecord]) ([]*measurementRecord, error) {
			recs, err := listMeasurements(ctx, q, sel, plan, req.ShowDeleted)
			kpiIDs = make([]string, 0, len(recs))
			for _, r := range recs {
				kpiIDs = append(kpiIDs, r.kpiID)
			}
			return recs, err
		})
	if err == nil {
		err = gradeValues(ctx, h.measurements.DB, orgID, kpiIDs[:len(ms)], ms)
	}
	return resource.Respond(&pb.ListMeasurementsResponse{}, ms, next, err)
}

func (h *measurementsHandler) CreateMeasurement(ctx context.Context, req *pb.CreateMeasurementRequest) (*pb.Measurement, error) {
	ids, err := measurementType.ParseParent("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	out, err := h.record(ctx, ids[0], []row{{kpi: req.Parent, m: req.Measurement, key: measurementKey(req)}}, true)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (h *measurementsHandler) BatchCreateMeasurements(ctx context.Context, req *pb.BatchCreateMeasurementsRequest) (*pb.BatchCreateMeasurementsResponse, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	rows := make([]row, len(req.Requests))
	for i, r := range req.Requests {
		rows[i] = row{kpi: r.Parent, m: r.Measurement, key: measurementKey(r), at: fmt.Sprintf("requests[%d].", i)}
	}
	out, err := h.record(ctx, orgID, rows, false)
	if err != nil {
		return nil, err
	}
	return &pb.BatchCreateMeasurementsResponse{Measurements: out}, nil
}

func (h *measurementsHandler) ImportMeasurements(ctx context.Context, req *pb.ImportMeasurementsRequest) (*pb.ImportMeasurementsResponse, error) {
	ids, err := measurementType.ParseParent("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	rows, bad := parseCSV(req.Parent, req.Csv.GetData())
	if len(bad) > 0 {
		return nil, apierr.InvalidArguments(bad)
	}
	out, err := h.record(ctx, ids[0], rows, false)
	if err != nil {
		return nil, err
	}
	return &pb.ImportMeasurementsResponse{Count: int32(len(out))}, nil
}

func (h *measurementsHandler) ExportMeasurements(ctx context.Context, req *pb.ExportMeasurementsRequest) (*httpbody.HttpBody, error) {
	orgID, kpiID, err := h.kpiOf(ctx, req.Parent)
	if err != nil {
		return nil, err
	}
	recs, err := allLive(ctx, h.measurements.DB, orgID, kpiID)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: "text/csv; charset=utf-8", Data: formatCSV(recs)}, nil
}

// measurementKey is the idempotency key of one measurement's request. Its
// parent is checked to be a KPI of the caller's organisation before the key
// is looked up (record).
func measurementKey(req *pb.CreateMeasurementRequest) idempotency.Key {
	return idempotency.For(req.Parent+"/measurements", req)
}

func (h *measurementsHandler) UpdateMeasurement(ctx context.Context, req *pb.UpdateMeasurementRequest) (*pb.Measurement, error) {
	c, err := h.measurements.Patch(req.Measurement, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	if err := h.prepare(ctx, &c); err != nil {
		return nil, err
	}
	actor, t := auth.Actor(ctx, serviceName), resource.Now()
	return h.measurements.Update(ctx, c, func(current *measurementRecord) (*measurementRecord, error) {
		next, err := correct(current.Msg, req.Measurement, req.UpdateMask.GetPaths(), c.Paths, actor, t)
		return resource.With(current, next), err
	})
}

func (h *measurementsHandler) DeleteMeasurement(ctx context.Context, req *pb.DeleteMeasurementRequest) (*pb.Measurement, error) {
	c, err := h.measurements.Named(req.Name, req.Etag)
	if err != nil {
		return nil, err
	}
	if err := h.prepare(ctx, &c); err != nil {
		return nil, err
	}
	return h.measurements.SetDeleted(ctx, c, true)
}

// prepare makes c a change to a measurement of a KPI the caller may record
// for: made under the organisation's KPI lock, after which the KPI's status
// is recomputed from its measurements.
func (h *measurementsHandler) prepare(ctx context.Context, c *resource.Change[*measurementRecord]) error {
	orgID, kpiID := c.IDs[0], c.IDs[1]
	// A measurement of no KPI is itself not found.
	k, err := resource.Lookup(ctx, h.measurements.DB, c.Name, func(ctx context.Context, q sqldb.Querier) (*kpiRecord, error) {
		return kpisTable.Get(ctx, q, orgID, kpiID)
	})
	if err != nil {
		return err
	}
	if err := h.mayRecord(ctx, orgID, map[string]*kpiRecord{kpiID: k}); err != nil {
		return err
	}
	c.Lock = kpiLock
	c.After = func(ctx context.Context, tx *sqldb.Tx, _, _ *measurementRecord) error {
		// Read under the lock: the status follows from what the KPI holds
		// now.
		fresh, err := kpisTable.Get(ctx, tx, orgID, kpiID)
		if err != nil {
			return err
		}
		return recompute(ctx, tx, h.events, fresh, "")
	}
	return nil
}

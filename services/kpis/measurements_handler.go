package kpis

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/api/httpbody"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// measurementsHandler is the gRPC surface of measurements. Single creates,
// batches and CSV imports go through one path, record, so they obey the
// same rules and report bad rows the same way.
type measurementsHandler struct {
	pb.UnimplementedMeasurementsServiceServer
	db     *sqldb.DB
	dir    directory
	events emitter
}

func (h *measurementsHandler) GetMeasurement(ctx context.Context, req *pb.GetMeasurementRequest) (*pb.Measurement, error) {
	orgID, kpiID, id, err := parseMeasurementName("name", req.Name)
	if err != nil {
		return nil, err
	}
	r, err := getMeasurement(ctx, h.db, orgID, kpiID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(req.Name)
	}
	if err != nil {
		return nil, err
	}
	return r.m, nil
}

func (h *measurementsHandler) ListMeasurements(ctx context.Context, req *pb.ListMeasurementsRequest) (*pb.ListMeasurementsResponse, error) {
	k, err := findKpi(ctx, h.db, "parent", req.Parent)
	if err != nil {
		return nil, err
	}
	var from, to string
	if req.StartDate != nil {
		if err := checkDate("start_date", req.StartDate); err != nil {
			return nil, err
		}
		from = formatDate(req.StartDate)
	}
	if req.EndDate != nil {
		if err := checkDate("end_date", req.EndDate); err != nil {
			return nil, err
		}
		to = formatDate(req.EndDate)
	}
	plan, err := measurementListSchema.Build(listing.Request{PageSize: req.PageSize, PageToken: req.PageToken,
		Scope: fmt.Sprintf("%s %s..%s show_deleted=%t", req.Parent, from, to, req.ShowDeleted)})
	if err != nil {
		return nil, err
	}
	rows, err := listMeasurements(ctx, h.db, k.orgID, k.id, from, to, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListMeasurementsResponse{NextPageToken: next, Measurements: make([]*pb.Measurement, len(rows))}
	for i, r := range rows {
		resp.Measurements[i] = r.m
	}
	return resp, nil
}

func (h *measurementsHandler) CreateMeasurement(ctx context.Context, req *pb.CreateMeasurementRequest) (*pb.Measurement, error) {
	orgID, _, err := parseKpiName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	out, err := h.record(ctx, orgID, []row{{kpi: req.Parent, m: req.Measurement, key: measurementKey(req)}}, true)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (h *measurementsHandler) BatchCreateMeasurements(ctx context.Context, req *pb.BatchCreateMeasurementsRequest) (*pb.BatchCreateMeasurementsResponse, error) {
	orgID, err := parseOrgName("parent", req.Parent)
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
	orgID, _, err := parseKpiName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	rows, bad := parseCSV(req.Parent, req.Csv.GetData())
	if len(bad) > 0 {
		return nil, apierr.InvalidArguments(bad)
	}
	out, err := h.record(ctx, orgID, rows, false)
	if err != nil {
		return nil, err
	}
	return &pb.ImportMeasurementsResponse{Count: int32(len(out))}, nil
}

func (h *measurementsHandler) ExportMeasurements(ctx context.Context, req *pb.ExportMeasurementsRequest) (*httpbody.HttpBody, error) {
	k, err := findKpi(ctx, h.db, "parent", req.Parent)
	if err != nil {
		return nil, err
	}
	recs, err := allLive(ctx, h.db, k.orgID, k.id)
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: "text/csv; charset=utf-8", Data: formatCSV(recs)}, nil
}

// row is a measurement to record and where it came from, for naming it in
// errors: at prefixes field paths (requests[3].), line is its CSV line.
type row struct {
	kpi  string
	m    *pb.Measurement
	key  idempotency.Key
	at   string
	line int
}

// measurementKey is the idempotency key of one measurement's request. Its
// parent is checked to be a KPI of the caller's organisation before the key
// is looked up (record).
func measurementKey(req *pb.CreateMeasurementRequest) idempotency.Key {
	return idempotency.For(req.Parent+"/measurements", req)
}

func (r row) violation(field, description string) apierr.FieldViolation {
	if r.line > 0 {
		return apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: %s: %s", r.line, field, description)}
	}
	return apierr.FieldViolation{Field: r.at + field, Description: description}
}

// record stores rows, all or none: every bad row is reported at once. A
// row repeating an earlier call's request_id answers with that call's
// measurement. single makes a period that has a value already
// ALREADY_EXISTS, as CreateMeasurement promises, rather than a bad row.
func (h *measurementsHandler) record(ctx context.Context, orgID string, rows []row, single bool) ([]*pb.Measurement, error) {
	var bad []apierr.FieldViolation
	kpiIDs := make([]string, len(rows))
	for i, r := range rows {
		id, err := sameOrgID("parent", "kpis", orgID, r.kpi)
		if err != nil {
			bad = append(bad, r.violation("parent", "must be a KPI of organisations/"+orgID))
			continue
		}
		kpiIDs[i] = id
		if r.m.PeriodEnd == nil {
			bad = append(bad, r.violation("measurement.period_end", "is required"))
		} else if err := checkDate("period_end", r.m.PeriodEnd); err != nil {
			bad = append(bad, r.violation("measurement.period_end", "is not a calendar date"))
		}
	}
	kpis, err := kpisByID(ctx, h.db, orgID, kpiIDs)
	if err != nil {
		return nil, err
	}
	missing := false
	now := today()
	for i, r := range rows {
		k := kpis[kpiIDs[i]]
		switch {
		case kpiIDs[i] == "":
		case k == nil || k.kpi.DeleteTime != nil:
			bad = append(bad, r.violation("parent", "no such KPI: "+r.kpi))
			missing = true
		case r.m.PeriodEnd != nil:
			if p := periodProblem(formatDate(r.m.PeriodEnd), k.kpi.Frequency, now); p != "" {
				bad = append(bad, r.violation("measurement.period_end", p))
			}
		}
	}
	if len(bad) > 0 {
		if single && missing {
			return nil, apierr.NotFound(rows[0].kpi)
		}
		return nil, apierr.InvalidArguments(bad)
	}
	if err := h.mayRecord(ctx, orgID, kpis); err != nil {
		return nil, err
	}

	out := make([]*pb.Measurement, len(rows))
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := lockKpis(ctx, tx, orgID); err != nil {
			return err
		}
		// Read the KPIs again under the lock: their status is recomputed
		// from what they hold now, not from before a concurrent change.
		fresh, err := kpisByID(ctx, tx, orgID, kpiIDs)
		if err != nil {
			return err
		}
		for id, k := range kpis {
			if f := fresh[id]; f == nil || f.kpi.DeleteTime != nil {
				return apierr.FailedPrecondition(k.kpi.Name, "was deleted meanwhile")
			}
		}
		kpis = fresh
		periods := map[string][]string{}
		for i, r := range rows {
			periods[kpiIDs[i]] = append(periods[kpiIDs[i]], formatDate(r.m.PeriodEnd))
		}
		taken, err := livePeriods(ctx, tx, orgID, periods)
		if err != nil {
			return err
		}
		var recs []*measurementRecord
		var keys []idempotency.Key
		claimed := map[string]int{}
		t := resource.Now()
		actor := auth.Actor(ctx, serviceName)
		for i, r := range rows {
			if r.key != (idempotency.Key{}) {
				if j, ok := claimed[r.key.Name()]; ok {
					bad = append(bad, r.violation("request_id", "repeats "+rows[j].at+"request_id"))
					continue
				}
				claimed[r.key.Name()] = i
			}
			priorID, found, err := r.key.Earlier(ctx, tx)
			if errors.Is(err, idempotency.ErrReused) {
				bad = append(bad, r.violation("request_id", err.Error()))
				continue
			}
			if err != nil {
				return err
			}
			if found {
				prior, err := getMeasurement(ctx, tx, orgID, kpiIDs[i], priorID)
				if err != nil {
					return fmt.Errorf("measurement made by request_id: %w", err)
				}
				out[i] = prior.m
				continue
			}
			key := kpiIDs[i] + "/" + formatDate(r.m.PeriodEnd)
			if taken[key] {
				if single {
					return apierr.AlreadyExists(r.kpi + " value for " + formatDate(r.m.PeriodEnd))
				}
				bad = append(bad, r.violation("measurement.period_end", r.kpi+" has a value for "+formatDate(r.m.PeriodEnd)+" already"))
				continue
			}
			taken[key] = true
			id := resourcename.NewID()
			rec := &measurementRecord{orgID: orgID, kpiID: kpiIDs[i], id: id, revision: 1, m: &pb.Measurement{
				Name: measurementName(orgID, kpiIDs[i], id), PeriodEnd: r.m.PeriodEnd, Value: r.m.Value, Note: r.m.Note,
				Source: r.m.Source, CreateTime: t, UpdateTime: t, Etag: resource.Etag(1), UpdateActor: actor}}
			recs = append(recs, rec)
			keys = append(keys, r.key)
			out[i] = rec.m
		}
		if len(bad) > 0 {
			return apierr.InvalidArguments(bad)
		}
		if err := insertMeasurements(ctx, tx, recs); err != nil {
			return err
		}
		for i, k := range keys {
			if err := k.Claim(ctx, tx, recs[i].id); err != nil {
				return err
			}
		}
		byKpi := map[string][]*pb.Measurement{}
		for _, rec := range recs {
			byKpi[rec.kpiID] = append(byKpi[rec.kpiID], rec.m)
		}
		for _, kpiID := range mapKeys(kpis) {
			if len(byKpi[kpiID]) == 0 {
				continue
			}
			if err := h.events.recorded(ctx, tx, kpis[kpiID].kpi.Name, byKpi[kpiID]); err != nil {
				return err
			}
			if err := recompute(ctx, tx, h.events, kpis[kpiID], ""); err != nil {
				return err
			}
		}
		return nil
	})
	if sqldb.IsUniqueViolation(err) {
		// A concurrent call recorded one of the periods first.
		return nil, apierr.AlreadyExists("a measurement for one of these periods")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (h *measurementsHandler) UpdateMeasurement(ctx context.Context, req *pb.UpdateMeasurementRequest) (*pb.Measurement, error) {
	if req.Measurement == nil {
		return nil, apierr.InvalidArgument("measurement", "is required")
	}
	orgID, kpiID, id, err := parseMeasurementName("measurement.name", req.Measurement.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), measurementUpdatable, measurementFixed)
	if err != nil {
		return nil, err
	}
	var result *pb.Measurement
	err = h.change(ctx, orgID, kpiID, id, req.Measurement.Name, req.Measurement.Etag, func(tx *sqldb.Tx, r *measurementRecord) error {
		if r.m.DeleteTime != nil {
			return apierr.FailedPrecondition(r.m.Name, "is deleted")
		}
		if slices.Contains(req.UpdateMask.GetPaths(), "period_end") && req.Measurement.PeriodEnd != nil &&
			formatDate(req.Measurement.PeriodEnd) != formatDate(r.m.PeriodEnd) {
			return apierr.InvalidArgument("measurement.period_end", "cannot change; delete this value and record the other period")
		}
		old := &pb.Correction{Value: r.m.GetValue(), Note: r.m.Note, Source: r.m.Source}
		for _, p := range paths {
			switch p {
			case "value":
				r.m.Value = req.Measurement.Value
			case "note":
				r.m.Note = req.Measurement.Note
			case "source":
				r.m.Source = req.Measurement.Source
			}
		}
		if err := protovalidate.Validate(r.m); err != nil {
			return interceptor.ValidationStatus(err, "measurement.")
		}
		if r.m.GetValue() == old.Value && r.m.Note == old.Note && r.m.Source == old.Source {
			result = r.m
			return errUnchanged
		}
		old.Actor, old.Time = auth.Actor(ctx, serviceName), resource.Now()
		r.m.History = append(r.m.History, old)
		result = r.m
		return nil
	}, h.events.corrected)
	return result, err
}

func (h *measurementsHandler) DeleteMeasurement(ctx context.Context, req *pb.DeleteMeasurementRequest) (*pb.Measurement, error) {
	orgID, kpiID, id, err := parseMeasurementName("name", req.Name)
	if err != nil {
		return nil, err
	}
	var result *pb.Measurement
	err = h.change(ctx, orgID, kpiID, id, req.Name, req.Etag, func(tx *sqldb.Tx, r *measurementRecord) error {
		if err := resource.CheckDeleteTransition(req.Name, r.m.DeleteTime != nil, true); err != nil {
			return err
		}
		r.m.DeleteTime = resource.Now()
		result = r.m
		return nil
	}, h.events.measurementDeleted)
	return result, err
}

// errUnchanged stops a change that changes nothing, writing nothing.
var errUnchanged = errors.New("unchanged")

// change applies apply to a measurement of a live KPI the caller may
// record for, stores it with its event, and recomputes the KPI.
func (h *measurementsHandler) change(ctx context.Context, orgID, kpiID, id, name, etag string,
	apply func(tx *sqldb.Tx, r *measurementRecord) error,
	emit func(ctx context.Context, tx *sqldb.Tx, m *pb.Measurement) error) error {
	k, err := getKpi(ctx, h.db, orgID, kpiID)
	if errors.Is(err, errNotFound) {
		return apierr.NotFound(name)
	}
	if err != nil {
		return err
	}
	if err := h.mayRecord(ctx, orgID, map[string]*kpiRecord{kpiID: k}); err != nil {
		return err
	}
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := lockKpis(ctx, tx, orgID); err != nil {
			return err
		}
		r, err := resource.Current(func() (*measurementRecord, error) { return getMeasurement(ctx, tx, orgID, kpiID, id) },
			func(r *measurementRecord) string { return r.m.Etag }, name, etag)
		if err != nil {
			return err
		}
		if err := apply(tx, r); err != nil {
			return err
		}
		r.revision++
		r.m.UpdateTime = resource.Now()
		r.m.Etag = resource.Etag(r.revision)
		r.m.UpdateActor = auth.Actor(ctx, serviceName)
		if ok, err := updateMeasurement(ctx, tx, r); err != nil {
			return err
		} else if !ok {
			return apierr.EtagMismatch(name)
		}
		if err := emit(ctx, tx, r.m); err != nil {
			return err
		}
		fresh, err := getKpi(ctx, tx, orgID, kpiID)
		if err != nil {
			return err
		}
		return recompute(ctx, tx, h.events, fresh, "")
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// mayRecord lets planners record for any KPI, and contributors for KPIs
// owned by teams they are members of.
func (h *measurementsHandler) mayRecord(ctx context.Context, orgID string, kpis map[string]*kpiRecord) error {
	p := auth.FromContext(ctx)
	if p.RoleIn(orgID) >= orgpb.Role_ROLE_PLANNER {
		return nil
	}
	person := p.People[orgID]
	checked := map[string]bool{}
	for _, id := range mapKeys(kpis) {
		team := kpis[id].kpi.OwnerTeam
		if checked[team] {
			continue
		}
		member := false
		if person != "" {
			var err error
			if member, err = h.dir.IsMember(ctx, team, person); err != nil {
				return err
			}
		}
		if !member {
			return apierr.PermissionDenied("contributors record values only for KPIs owned by teams they are members of; " +
				team + " owns " + kpis[id].kpi.Name)
		}
		checked[team] = true
	}
	return nil
}

// kpisByID reads the KPIs named, by id.
func kpisByID(ctx context.Context, q sqldb.Querier, orgID string, ids []string) (map[string]*kpiRecord, error) {
	out := map[string]*kpiRecord{}
	var distinct []string
	for _, id := range ids {
		if _, ok := out[id]; !ok && id != "" {
			out[id] = nil
			distinct = append(distinct, id)
		}
	}
	for start := 0; start < len(distinct); start += 500 {
		chunk := distinct[start:min(start+500, len(distinct))]
		args := []any{orgID}
		marks := "?"
		for i, id := range chunk {
			args = append(args, id)
			if i > 0 {
				marks += ", ?"
			}
		}
		recs, err := kpisWhere(ctx, q, "organisation_id = ? AND id IN ("+marks+")", args...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out[r.id] = r
		}
	}
	for id, r := range out {
		if r == nil {
			delete(out, id)
		}
	}
	return out, nil
}

// mapKeys returns a map's keys, sorted, for a stable order.
func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

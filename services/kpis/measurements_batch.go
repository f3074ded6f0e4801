package kpis

import (
	"context"
	"errors"
	"fmt"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The batch path: every measurement is created here, one by
// CreateMeasurement or up to 10,000 by BatchCreateMeasurements and
// ImportMeasurements, in one transaction with one multi-row insert per
// hundred rows. The resource engine's Create makes one resource per
// transaction, so it does not serve this path; what it does for a create
// is done here with the kit's own parts: the request_id, the first
// revision (resource.Begin) and a retry after a lost race (resource.InTx).

// record stores rows, all or none: every bad row is reported at once. A
// row repeating an earlier call's request_id answers with that call's
// measurement. single makes a period that has a value already
// ALREADY_EXISTS, as CreateMeasurement promises, rather than a bad row.
func (h *measurementsHandler) record(ctx context.Context, orgID string, rows []row, single bool) ([]*pb.Measurement, error) {
	kpiIDs, bad := checkRows(orgID, rows)
	kpis, err := kpisByID(ctx, h.measurements.DB, orgID, kpiIDs)
	if err != nil {
		return nil, err
	}
	more, missing := checkRecordable(rows, kpiIDs, kpis, dates.Format(dates.Today()))
	if bad = append(bad, more...); len(bad) > 0 {
		if single && missing {
			return nil, apierr.NotFound(rows[0].kpi)
		}
		return nil, apierr.InvalidArguments(bad)
	}
	if err := h.mayRecord(ctx, orgID, kpis); err != nil {
		return nil, err
	}
	var out []*pb.Measurement
	err = resource.InTx(ctx, h.measurements.DB, func(tx *sqldb.Tx) error {
		var err error
		out, err = h.recordIn(ctx, tx, orgID, rows, kpiIDs, kpis, single)
		return err
	})
	if sqldb.IsUniqueViolation(err) {
		// Concurrent calls recorded the periods first twice over.
		return nil, apierr.AlreadyExists("a measurement for one of these periods")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordIn records rows in tx: those of record, whose KPIs (checked, by
// id) were live when checked.
func (h *measurementsHandler) recordIn(ctx context.Context, tx *sqldb.Tx, orgID string, rows []row, kpiIDs []string,
	checked map[string]*kpiRecord, single bool) ([]*pb.Measurement, error) {
	if err := lockKpis(ctx, tx, orgID); err != nil {
		return nil, err
	}
	// Read the KPIs again under the lock: their status is recomputed from
	// what they hold now, not from before a concurrent change.
	kpis, err := kpisByID(ctx, tx, orgID, kpiIDs)
	if err != nil {
		return nil, err
	}
	for id, k := range checked {
		if f := kpis[id]; f == nil || f.Msg.DeleteTime != nil {
			return nil, apierr.FailedPrecondition(k.Msg.Name, "was deleted meanwhile")
		}
	}
	periods := map[string][]string{}
	for i, r := range rows {
		periods[kpiIDs[i]] = append(periods[kpiIDs[i]], dates.Format(r.m.PeriodEnd))
	}
	taken, err := livePeriods(ctx, tx, orgID, periods)
	if err != nil {
		return nil, err
	}
	out := make([]*pb.Measurement, len(rows))
	var (
		bad     []apierr.FieldViolation
		recs    []*measurementRecord
		keys    []idempotency.Key
		claimed = map[string]int{}
		actor   = auth.Actor(ctx, serviceName)
	)
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
			return nil, err
		}
		if found {
			prior, err := measurementsTable.Get(ctx, tx, orgID, kpiIDs[i], priorID)
			if err != nil {
				return nil, fmt.Errorf("measurement made by request_id: %w", err)
			}
			out[i] = prior.Msg
			continue
		}
		period := dates.Format(r.m.PeriodEnd)
		if taken[kpiIDs[i]+"/"+period] {
			if single {
				return nil, apierr.AlreadyExists(r.kpi + " value for " + period)
			}
			bad = append(bad, r.violation("measurement.period_end", r.kpi+" has a value for "+period+" already"))
			continue
		}
		taken[kpiIDs[i]+"/"+period] = true
		rec := newMeasurement(orgID, kpiIDs[i], r.m, actor)
		recs = append(recs, rec)
		keys = append(keys, r.key)
		out[i] = rec.Msg
	}
	if len(bad) > 0 {
		return nil, apierr.InvalidArguments(bad)
	}
	if err := insertMeasurements(ctx, tx, recs); err != nil {
		return nil, err
	}
	made := make([]history.Resource, len(recs))
	for i, k := range keys {
		if err := k.Claim(ctx, tx, recs[i].id); err != nil {
			return nil, err
		}
		made[i] = recs[i].Msg
	}
	if err := history.RecordAll(ctx, tx, made, historypb.Action_ACTION_CREATED, actor); err != nil {
		return nil, err
	}
	byKpi := map[string][]*pb.Measurement{}
	for _, rec := range recs {
		byKpi[rec.kpiID] = append(byKpi[rec.kpiID], rec.Msg)
	}
	for _, kpiID := range mapKeys(kpis) {
		if len(byKpi[kpiID]) == 0 {
			continue
		}
		if err := h.events.recorded(ctx, tx, kpis[kpiID].Msg.Name, byKpi[kpiID]); err != nil {
			return nil, err
		}
		if err := recompute(ctx, tx, h.events, kpis[kpiID], ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newMeasurement is a new measurement of the KPI kpiID with in's period,
// value, note and source, at its first revision, made now by actor.
func newMeasurement(orgID, kpiID string, in *pb.Measurement, actor string) *measurementRecord {
	id := resourcename.NewID()
	r := &measurementRecord{Stored: resource.Hold(&pb.Measurement{
		Name: measurementName(orgID, kpiID, id), PeriodEnd: in.PeriodEnd, Value: in.Value, Note: in.Note, Source: in.Source}), orgID: orgID, kpiID: kpiID, id: id}
	resource.Begin(r, actor)
	return r
}

// mayRecord lets planners record for any KPI, and contributors for KPIs
// owned by teams they are members of.
func (h *measurementsHandler) mayRecord(ctx context.Context, orgID string, kpis map[string]*kpiRecord) error {
	p := auth.FromContext(ctx)
	if p.RoleIn(orgID) >= identitypb.Role_ROLE_PLANNER {
		return nil
	}
	person := p.People[orgID]
	checked := map[string]bool{}
	for _, id := range mapKeys(kpis) {
		team := kpis[id].Msg.OwnerTeam
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
				team + " owns " + kpis[id].Msg.Name)
		}
		checked[team] = true
	}
	return nil
}

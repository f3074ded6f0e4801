package kpis

import (
	"context"
	"fmt"
	"path"
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// A KPI's direction, targets and thresholds are versioned (kpi_targets):
// each version grades the periods from its effective date on, so that a
// change grades what comes after it and leaves the status of earlier
// periods as it was. Kpi.target_history shows them; the status of a value
// (its KPI's, and Measurement.status) uses the version in force for its
// period.

// sameGrading says whether a and b grade values alike.
func sameGrading(a, b *pb.Kpi) bool {
	return a.Direction == b.Direction && proto.Equal(&pb.Kpi{Targets: a.Targets}, &pb.Kpi{Targets: b.Targets}) &&
		proto.Equal(a.Thresholds, b.Thresholds)
}

// addVersion records k's direction, targets and thresholds, made at k's
// update time by its update actor, as grading the periods from effective
// (YYYY-MM-DD; "" for every period, a KPI's first definition).
func addVersion(ctx context.Context, tx *sqldb.Tx, r *kpiRecord, effective string) error {
	k := r.Msg
	targets, thresholds, err := encodeGrading(k.Targets, k.Thresholds)
	if err != nil {
		return fmt.Errorf("kpi %s: %w", r.id, err)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO kpi_targets (organisation_id, kpi_id, effective_date, direction, targets, thresholds, change_time, actor) "+
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?)", r.orgID, r.id, effective, int32(k.Direction), targets, thresholds,
		resource.Micros(k.UpdateTime), k.UpdateActor)
	if err != nil {
		return fmt.Errorf("record kpi targets: %w", err)
	}
	return nil
}

// versionsOf returns the versions of the KPIs of orgID with ids, oldest
// change first, by KPI id.
func versionsOf(ctx context.Context, q sqldb.Querier, orgID string, ids []string) (map[string][]*pb.TargetVersion, error) {
	out := map[string][]*pb.TargetVersion{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := resource.In("kpi_id", ids)
	type row struct {
		kpiID string
		v     *pb.TargetVersion
	}
	rows, err := sqldb.Select(ctx, q, "kpi targets", func(s sqldb.Scanner) (row, error) {
		var (
			r                              = row{v: &pb.TargetVersion{}}
			effective, targets, thresholds string
			direction                      int32
			at                             int64
			err                            error
		)
		if err := s.Scan(&r.kpiID, &effective, &direction, &targets, &thresholds, &at, &r.v.Actor); err != nil {
			return r, err
		}
		if r.v.Targets, r.v.Thresholds, err = decodeGrading(targets, thresholds); err != nil {
			return r, fmt.Errorf("kpi %s: %w", r.kpiID, err)
		}
		r.v.Direction, r.v.ChangeTime = pb.Direction(direction), resource.Time(at)
		if effective != "" {
			r.v.EffectiveDate = dates.Parse(effective)
		}
		return r, nil
	}, "SELECT kpi_id, effective_date, direction, targets, thresholds, change_time, actor FROM kpi_targets WHERE organisation_id = ? AND "+
		in+" ORDER BY kpi_id, change_time", append([]any{orgID}, args...)...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.kpiID] = append(out[r.kpiID], r.v)
	}
	return out, nil
}

// inForce is k as it grades a value for period: with the direction,
// targets and thresholds of the latest change among the versions whose
// effective date is on or before period (the first definition grades
// every period before the others); k itself without versions.
func inForce(k *pb.Kpi, versions []*pb.TargetVersion, period string) *pb.Kpi {
	var chosen *pb.TargetVersion
	for _, v := range versions {
		if v.EffectiveDate == nil || dates.Format(v.EffectiveDate) <= period {
			chosen = v // versions come oldest change first
		}
	}
	if chosen == nil {
		if len(versions) == 0 {
			return k
		}
		chosen = versions[0]
	}
	return &pb.Kpi{Direction: chosen.Direction, Targets: chosen.Targets, Thresholds: chosen.Thresholds, Frequency: k.Frequency}
}

// withHistory sets the target history of kpis, all of one organisation,
// read in one query.
func withHistory(ctx context.Context, q sqldb.Querier, kpis ...*pb.Kpi) error {
	if len(kpis) == 0 {
		return nil
	}
	ids := make([]string, len(kpis))
	for i, k := range kpis {
		ids[i] = path.Base(k.Name)
	}
	org, err := kpiType.Parse("kpi.name", kpis[0].Name)
	if err != nil {
		return err
	}
	versions, err := versionsOf(ctx, q, org[0], ids)
	if err != nil {
		return err
	}
	for i, k := range kpis {
		k.TargetHistory = versions[ids[i]]
	}
	return nil
}

// gradeValues sets the status of each of ms, a value of the KPI with id
// kpiIDs[i] of orgID, by the targets in force for its period.
func gradeValues(ctx context.Context, q sqldb.Querier, orgID string, kpiIDs []string, ms []*pb.Measurement) error {
	versions, err := versionsOf(ctx, q, orgID, slices.Compact(slices.Sorted(slices.Values(kpiIDs))))
	if err != nil {
		return err
	}
	for i, m := range ms {
		if v := versions[kpiIDs[i]]; len(v) > 0 {
			period := dates.Format(m.PeriodEnd)
			m.Status = colour(inForce(&pb.Kpi{}, v, period), m.GetValue(), period)
		}
	}
	return nil
}

package kpis

import (
	"context"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// recompute brings a KPI's latest value, status, trend and due date up to
// date with its measurements and today, and publishes KpiStatusChanged when
// the status moved, recording the new status in the KPI's history. previousElement is the element the KPI measured before
// a change of element ("" otherwise), which also makes the event necessary.
func recompute(ctx context.Context, tx *sqldb.Tx, em emitter, r *kpiRecord, previousElement string) error {
	latest, err := latestPeriods(ctx, tx, r.orgID, r.id, 4)
	if err != nil {
		return err
	}
	k := r.Msg
	old, wasClosed := k.Status, k.Closure
	versions, err := versionsOf(ctx, tx, r.orgID, []string{r.id})
	if err != nil {
		return err
	}
	applyLatest(r, latest, versions[r.id], dates.Format(dates.Today()))
	if err := setComputed(ctx, tx, r); err != nil {
		return err
	}
	if k.Status != old || k.Closure != wasClosed {
		if err := history.Record(ctx, tx, k, historypb.Action_ACTION_COMPUTED, auth.Actor(ctx, serviceName), "status", "closure"); err != nil {
			return err
		}
	}
	if k.Status == old && previousElement == "" {
		return nil
	}
	return em.statusChanged(ctx, tx, k, old, previousElement)
}

// applyLatest sets what follows from the latest measurements, the versions
// of the targets and the element on r: whether it is closed, its status, trend and the date its
// next value is due (none once closed).
func applyLatest(r *kpiRecord, latest []period, versions []*pb.TargetVersion, today string) {
	k := r.Msg
	k.Closure = closureOf(k.Retired, r.elementStatus, r.elementEnd, today)
	k.Status = statusOf(k, latest, versions, today)
	k.Trend = trendOf(k, latest)
	k.LatestValue, k.LatestPeriodEnd, k.ValueDueDate = 0, nil, nil
	if len(latest) > 0 {
		k.LatestValue, k.LatestPeriodEnd = latest[0].value, dates.Parse(latest[0].end)
		if due := dueDate(latest[0].end, k.Frequency); due != "" && k.Closure == pb.Kpi_CLOSURE_UNSPECIFIED {
			k.ValueDueDate = dates.Parse(due)
		}
	}
}

// deletedStatus is what a deleted KPI tells the plan: it measures nothing.
func deletedStatus(ctx context.Context, tx *sqldb.Tx, em emitter, r *kpiRecord, old pb.KpiStatus) error {
	gone := proto.CloneOf(r.Msg)
	gone.Status = pb.KpiStatus_KPI_STATUS_UNSPECIFIED
	return em.statusChanged(ctx, tx, gone, old, "")
}

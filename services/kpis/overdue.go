package kpis

import (
	"context"
	"fmt"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// sweepInterval is how often late KPIs are looked for.
const sweepInterval = time.Minute

// lateWhere selects the live KPIs whose next value is late and that are
// not OVERDUE yet, and the open ones whose element's horizon has ended
// (which closes them); the arguments are today twice and OVERDUE.
const lateWhere = "delete_time IS NULL AND ((due_date <> '' AND due_date < ? AND status <> ?) OR " +
	"(closure = 0 AND element_end_date <> '' AND element_end_date < ?))"

// sweepOnce turns KPIs whose next value is late OVERDUE, and closes those
// whose element's horizon has ended, with their status events (run every
// sweepInterval: time passing is the only thing that changes a status
// without a call). It recomputes the late KPIs one
// organisation at a time, each under
// the organisation's KPI lock and read again under it, so that the sweep
// neither undoes a concurrent change nor recomputes a KPI twice when
// replicas sweep together.
func sweepOnce(ctx context.Context, db *sqldb.DB, em emitter) error {
	now := dates.Format(dates.Today())
	orgs, err := organisationsWithLateKpis(ctx, db, now)
	if err != nil {
		return err
	}
	for _, orgID := range orgs {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if err := lockKpis(ctx, tx, orgID); err != nil {
				return err
			}
			still, err := kpisWhere(ctx, tx, "organisation_id = ? AND "+lateWhere, orgID, now,
				int32(pb.KpiStatus_KPI_STATUS_OVERDUE), now)
			if err != nil {
				return err
			}
			for _, k := range still {
				if err := recompute(ctx, tx, em, k, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("overdue sweep of organisation %s: %w", orgID, err)
		}
	}
	return nil
}

// organisationsWithLateKpis is the service's one read across organisations,
// a deliberate one: the sweep must find every organisation with a late KPI.
// It returns only organisation ids, and nothing it reads reaches a caller;
// each organisation's KPIs are then read again scoped to it.
func organisationsWithLateKpis(ctx context.Context, q sqldb.Querier, now string) ([]string, error) {
	late, err := kpisWhere(ctx, q, lateWhere, now, int32(pb.KpiStatus_KPI_STATUS_OVERDUE), now)
	if err != nil {
		return nil, err
	}
	orgs := map[string]bool{}
	for _, k := range late {
		orgs[k.orgID] = true
	}
	return mapKeys(orgs), nil
}

package kpis

import (
	"context"
	"log/slog"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// sweepInterval is how often late KPIs are looked for.
const sweepInterval = time.Minute

// sweepOverdue turns KPIs whose next value is late OVERDUE, with their
// status events, every sweepInterval until ctx ends. Time passing is the
// only thing that changes a status without a call, hence the sweep. The
// lock keeps replicas from sweeping together.
func sweepOverdue(ctx context.Context, db *sqldb.DB, em emitter, logger *slog.Logger) {
	for {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Lock(ctx, "kpis/overdue"); err != nil {
				return err
			}
			late, err := kpisWhere(ctx, tx, "delete_time IS NULL AND due_date <> '' AND due_date < ? AND status <> ?",
				today(), int32(pb.KpiStatus_KPI_STATUS_OVERDUE))
			if err != nil {
				return err
			}
			for _, k := range late {
				if err := recompute(ctx, tx, em, k, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			logger.Warn("overdue sweep failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(sweepInterval):
		}
	}
}

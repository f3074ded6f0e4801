package history

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// revisionsKept holds how many revisions each service keeps, as of its
// last look (Keep); registered by RegisterMetrics.
var revisionsKept = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "goldenthread_history_revisions",
	Help: "Revisions a service keeps in its history, as of its last look, by service.",
}, []string{"service"})

// RegisterMetrics adds the history's metrics to reg.
func RegisterMetrics(reg prometheus.Registerer) error { return reg.Register(revisionsKept) }

// KeepInterval is how often Keep looks at a service's history.
const KeepInterval = time.Hour

// Keep is one look at the history of service in db: it prunes the
// revisions older than maxAge (0 keeps every revision) and reports how
// many are left.
func Keep(ctx context.Context, db *sqldb.DB, service string, maxAge time.Duration) error {
	if maxAge > 0 {
		if _, err := Prune(ctx, db, time.Now().Add(-maxAge)); err != nil {
			return err
		}
	}
	n, err := Count(ctx, db)
	if err != nil {
		return err
	}
	revisionsKept.WithLabelValues(service).Set(float64(n))
	return nil
}

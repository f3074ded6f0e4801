package events_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

func TestNewerAppliesEachVersionOnce(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := sqldbtest.Open(t, dsn)
		if err := db.Migrate(ctx, "inbox", events.Migrations); err != nil {
			t.Fatal(err)
		}
		newer := func(version int64) bool {
			var ok bool
			if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				var err error
				ok, err = events.Newer(ctx, tx, "organisations/a", version)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for _, c := range []struct {
			version int64
			want    bool
		}{{5, true}, {5, false}, {4, false}, {6, true}, {5, false}} {
			if got := newer(c.version); got != c.want {
				t.Fatalf("Newer(%d) = %t, want %t", c.version, got, c.want)
			}
		}

		// Replicas applying the same state at once: one of them applies it.
		// Each holds its transaction open a while, so that all have asked
		// before the first commits.
		var applied atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				err := db.InTx(ctx, func(tx *sqldb.Tx) error {
					ok, err := events.Newer(ctx, tx, "organisations/a", 7)
					if ok {
						applied.Add(1)
					}
					time.Sleep(100 * time.Millisecond)
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := applied.Load(); n != 1 {
			t.Fatalf("version 7 applied %d times, want once", n)
		}
	})
}

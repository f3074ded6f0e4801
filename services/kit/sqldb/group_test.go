package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestGroupCommit: SQLite write transactions that arrive while one runs
// commit together, and each is still its own: a transaction that fails or
// panics is undone alone, one whose caller gave up before it began does
// not run, the others commit, and each caller hears only of its own.
func TestGroupCommit(t *testing.T) {
	db := open(t, sqldbtest.SQLiteDSN(t))
	ctx := context.Background()
	insert := func(tx *sqldb.Tx, id string) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES (?, 1)", id)
		return err
	}
	// The first transaction holds the writer until the others queue.
	hold, held := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- db.InTx(ctx, func(tx *sqldb.Tx) error {
			close(held)
			<-hold
			return insert(tx, "first")
		})
	}()
	<-held
	before := sqldb.Commits(db)

	const n = 30
	errs := make([]error, n)
	panics := make([]any, n)
	gaveUp, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			jctx := ctx
			if i%10 == 3 {
				jctx = gaveUp
			}
			errs[i] = db.InTx(jctx, func(tx *sqldb.Tx) error {
				if err := insert(tx, fmt.Sprint(i)); err != nil {
					return err
				}
				switch i % 10 {
				case 1:
					return errors.New("refused")
				case 2:
					panic("broken")
				case 4:
					// A statement failing on a constraint leaves the others.
					return insert(tx, fmt.Sprint(i))
				}
				return nil
			})
		}()
	}
	// Every transaction has been handed over when the writer is the only
	// thing they wait for; a little time lets them all queue.
	time.Sleep(200 * time.Millisecond)
	cancel()
	close(hold)
	wg.Wait()
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}

	commits := sqldb.Commits(db) - before
	if commits >= n/2 {
		t.Errorf("%d transactions took %d commits: they were not grouped", n, commits)
	}
	for i := range n {
		var count int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE id = ?", fmt.Sprint(i)).Scan(&count); err != nil {
			t.Fatal(err)
		}
		switch i % 10 {
		case 1:
			if errs[i] == nil || errs[i].Error() != "refused" || count != 0 {
				t.Errorf("refused transaction %d: err %v, %d rows", i, errs[i], count)
			}
		case 2:
			if panics[i] != "broken" || count != 0 {
				t.Errorf("panicking transaction %d: panic %v, %d rows", i, panics[i], count)
			}
		case 3:
			// Given up before it began (cancelled while queued), or ran
			// before the cancellation: never half.
			if (errors.Is(errs[i], context.Canceled) && count != 0) || (errs[i] == nil && count != 1) {
				t.Errorf("given-up transaction %d: err %v, %d rows", i, errs[i], count)
			}
		case 4:
			if errs[i] == nil || count != 0 {
				t.Errorf("transaction %d failing on a constraint: err %v, %d rows", i, errs[i], count)
			}
		default:
			if errs[i] != nil || panics[i] != nil || count != 1 {
				t.Errorf("transaction %d: err %v, panic %v, %d rows", i, errs[i], panics[i], count)
			}
		}
	}
	t.Logf("%d transactions in %d commits", n, commits)
}

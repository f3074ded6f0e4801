package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

var migrations = fstest.MapFS{
	"0001_items.sql":          {Data: []byte("-- +goose Up\nCREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT);")},
	"0002_blobs.sqlite.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE blobs (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB);")},
	"0002_blobs.postgres.sql": {Data: []byte("-- +goose Up\nCREATE TABLE blobs (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, b BYTEA);")},
}

func open(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	db := sqldbtest.Open(t, dsn)
	if err := db.Migrate(context.Background(), "test", migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)

		t.Run("migrations run once", func(t *testing.T) {
			if err := db.Migrate(ctx, "test", migrations); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM goose_db_version_test WHERE version_id > 0").Scan(&n); err != nil || n != 2 {
				t.Fatalf("recorded %d migrations, err %v", n, err)
			}
		})

		t.Run("placeholders and quoted question marks", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "INSERT INTO items (id, n, note) VALUES (?, ?, 'what?')", "q", 1); err != nil {
				t.Fatal(err)
			}
			var note string
			if err := db.QueryRowContext(ctx, "SELECT note FROM items WHERE id = ? AND note = 'what?'", "q").Scan(&note); err != nil || note != "what?" {
				t.Fatalf("note %q, err %v", note, err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO blobs (b) VALUES (?)", []byte{0, 1, 2}); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("unique violation is recognised", func(t *testing.T) {
			_, err := db.ExecContext(ctx, "INSERT INTO items (id, n) VALUES (?, ?)", "q", 2)
			if !sqldb.IsUniqueViolation(err) {
				t.Fatalf("IsUniqueViolation(%v) = false", err)
			}
		})

		t.Run("rollback keeps nothing and skips OnCommit", func(t *testing.T) {
			ran := false
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				tx.OnCommit(func() { ran = true })
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES (?, ?)", "r", 1); err != nil {
					return err
				}
				return boom
			})
			var n int
			_ = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE id = 'r'").Scan(&n)
			if !errors.Is(err, boom) || n != 0 || ran {
				t.Fatalf("err %v, rows %d, OnCommit ran %v", err, n, ran)
			}
		})

		t.Run("concurrent writers and readers never fail", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('counter', 0)"); err != nil {
				t.Fatal(err)
			}
			const writers, each = 16, 25
			var wg sync.WaitGroup
			errs := make(chan error, writers*each*2)
			for range writers {
				wg.Add(2)
				go func() {
					defer wg.Done()
					for range each {
						errs <- db.InTx(ctx, func(tx *sqldb.Tx) error {
							var n int64
							if err := tx.QueryRowContext(ctx, "SELECT n FROM items WHERE id = 'counter'").Scan(&n); err != nil {
								return err
							}
							_, err := tx.ExecContext(ctx, "UPDATE items SET n = ? WHERE id = 'counter' AND n = ?", n+1, n)
							return err
						})
					}
				}()
				go func() {
					defer wg.Done()
					for range each {
						var n int64
						errs <- db.QueryRowContext(ctx, "SELECT n FROM items WHERE id = 'counter'").Scan(&n)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if db.Dialect() == sqldb.SQLite {
				var n int64
				_ = db.QueryRowContext(ctx, "SELECT n FROM items WHERE id = 'counter'").Scan(&n)
				if n != writers*each {
					t.Fatalf("counter = %d, want %d (lost updates)", n, writers*each)
				}
			}
		})
	})
}

// TestPreparedStatements runs more distinct queries than the statement
// cache holds, from many goroutines, in and out of transactions, with rows
// left open across the cache starting over: every call must still work.
func TestPreparedStatements(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		if _, err := db.ExecContext(ctx, "INSERT INTO items (id, n) VALUES ('p', 7)"); err != nil {
			t.Fatal(err)
		}
		before := db.Writes()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 200 {
					// Distinct texts: 8 × 200 queries, three times the cache.
					q := fmt.Sprintf("SELECT n + %d FROM items WHERE id = ?", g*1000+i)
					var n int
					if err := db.QueryRowContext(ctx, "SELECT n FROM items WHERE id = ?", "p").Scan(&n); err != nil || n != 7 {
						errs <- fmt.Errorf("n = %d, want 7 (%v)", n, err)
						return
					}
					// These rows stay open over a transaction (on SQLite, on
					// the other pool) and other goroutines' queries.
					rows, err := db.QueryContext(ctx, q, "p")
					if err != nil {
						errs <- err
						return
					}
					if err == nil && i%20 == 0 {
						err = db.InTx(ctx, func(tx *sqldb.Tx) error {
							if err := tx.QueryRowContext(ctx, q, "p").Scan(&n); err != nil {
								return err
							}
							_, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE items SET note = '%d' WHERE id = ?", i), "p")
							return err
						})
					}
					for err == nil && rows.Next() {
						err = rows.Scan(&n)
						if err == nil && n != 7+g*1000+i {
							err = fmt.Errorf("n = %d, want %d", n, 7+g*1000+i)
						}
					}
					rows.Close()
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if db.Writes() < before+8*10 {
			t.Errorf("Writes went from %d to %d over 80 transactions", before, db.Writes())
		}
	})
}

// An unsynced transaction commits like any other, and leaves the writer
// syncing every commit again afterwards — also when it fails.
func TestUnsyncedTransaction(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		if err := db.Migrate(ctx, "test", migrations); err != nil {
			t.Fatal(err)
		}
		durability := func(tx *sqldb.Tx) string {
			query := "SELECT CAST(synchronous AS TEXT) FROM pragma_synchronous"
			if tx.Dialect() == sqldb.Postgres {
				query = "SELECT current_setting('synchronous_commit')"
			}
			var s string
			if err := tx.QueryRowContext(ctx, query).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		synced := map[sqldb.Dialect][2]string{sqldb.SQLite: {"2", "0"}, sqldb.Postgres: {"on", "off"}}[db.Dialect()]

		if err := db.InTxUnsynced(ctx, func(tx *sqldb.Tx) error {
			if got := durability(tx); got != synced[1] {
				t.Errorf("durability inside the unsynced transaction: %s, want %s", got, synced[1])
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES (?, ?)", "unsynced", 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_ = db.InTxUnsynced(ctx, func(tx *sqldb.Tx) error { return errors.New("rolled back") })
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if got := durability(tx); got != synced[0] {
				t.Errorf("durability after unsynced transactions: %s, want %s", got, synced[0])
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT n FROM items WHERE id = ?", "unsynced").Scan(&n); err != nil || n != 1 {
			t.Fatalf("the unsynced transaction's row: %d, %v", n, err)
		}
	})
}

// The write-ahead log reaches the database file without any commit doing
// it: SQLite's own checkpoints in commits are off.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db := open(t, path)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	note := strings.Repeat("x", 1000)
	err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
		for i := range 5000 { // about 5 MB: past SQLite's own threshold of 1,000 pages
			if _, err := tx.ExecContext(context.Background(), "INSERT INTO items (id, n, note) VALUES (?, ?, ?)", fmt.Sprint(i), i, note); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Only this commit's own pages are checked: the checkpointer may copy
	// the migrations' meanwhile.
	if got := size(); got >= before+5_000_000 {
		t.Fatalf("the database file grew by the commit's 5 MB in the commit (%d → %d bytes): the commit checkpointed", before, got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+5_000_000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes 5 s after the commit: no checkpoint ran", size())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSQLiteFilesArePrivate: the database, its WAL and its shared memory
// hold every organisation's data; only their owner may read them, also when
// they were made readable to others before.
func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "x.db")
	check := func() {
		t.Helper()
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("directory: %v, %v; want 0700", fi.Mode().Perm(), err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, %v; want 0600", filepath.Base(p), fi.Mode().Perm(), err)
			}
		}
	}
	open := func() *sqldb.DB {
		db, err := sqldb.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(context.Background(), "CREATE TABLE IF NOT EXISTS t (x TEXT)"); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	check()
	db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Chmod(p, 0o644)
	}
	db = open()
	defer db.Close()
	check()
}

// TestWALIsBounded: the write-ahead log file does not keep the size of the
// largest burst of writes: once checkpointed past the limit, it is cut back.
func TestWALIsBounded(t *testing.T) {
	const limit = 1 << 20
	sqldb.SetWALLimit(t.Cleanup, limit)
	path := filepath.Join(t.TempDir(), "w.db")
	db := open(t, path)
	note := strings.Repeat("x", 1000)
	for batch := range 5 { // about 5 MB in all, in commits of 1 MB
		err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
			for i := range 1000 {
				if _, err := tx.ExecContext(context.Background(), "INSERT INTO items (id, n, note) VALUES (?, ?, ?)", fmt.Sprint(batch, "-", i), i, note); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	apitest.Eventually(t, 5*time.Second, "the write-ahead log was not cut back to the limit", func() bool {
		fi, err := os.Stat(path + "-wal")
		return err == nil && fi.Size() <= limit
	})
}

// TestDeleteInBatches: rows go a batch to a transaction until a batch
// finds fewer, and only the rows the query names.
func TestDeleteInBatches(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := open(t, dsn)
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			for i := range 30 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, n) VALUES (?, ?)", fmt.Sprint(i), i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		before := db.Writes()
		n, err := db.DeleteInBatches(ctx, 10, "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE n < ? LIMIT ?)", 25)
		if err != nil || n != 25 {
			t.Fatalf("deleted %d, %v; want 25", n, err)
		}
		if commits := db.Writes() - before; commits != 3 {
			t.Errorf("%d transactions, want 3 (10, 10, then 5)", commits)
		}
		var left int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&left); err != nil || left != 5 {
			t.Errorf("%d rows left (%v), want 5", left, err)
		}
	})
}

package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// Group commit on SQLite. A SQLite file has one writer at a time, and each
// commit waits for the disk (synchronous=FULL). The write transactions that
// arrive while one commits therefore wait anyway; the group runs them
// together — each in a savepoint of its own, so that one that fails is
// undone alone — and commits them at once, with one sync of the log. A
// transaction is acknowledged only after that commit, so what a caller is
// told was written survives a crash or a power cut exactly as before. A
// transaction arriving alone runs at once: grouping waits on no timer, only
// for the goroutines ready to run (see loop).

// maxGroup bounds the transactions one commit carries, so that the first
// of them does not wait on an unbounded run of later ones.
const maxGroup = 64

// group runs a SQLite DB's write transactions on one goroutine.
type group struct {
	db   *DB
	jobs chan *job
	// quit is closed by close, once; stopped when the goroutine has ended.
	quit      chan struct{}
	closeOnce sync.Once
	// commits counts the commits made, each of one or more transactions.
	commits atomic.Uint64
	stopped chan struct{}
}

// job is one caller's transaction, and what became of it.
type job struct {
	ctx context.Context
	fn  func(tx *Tx) error
	// unsynced: the caller asked for InTxUnsynced.
	unsynced bool

	err      error
	panicked any
	onCommit []func()
	done     chan struct{}
}

func newGroup(db *DB) *group {
	g := &group{db: db, jobs: make(chan *job), quit: make(chan struct{}), stopped: make(chan struct{})}
	go g.loop()
	return g
}

// close ends the goroutine once the transactions handed to it are done;
// later ones fail.
func (g *group) close() {
	g.closeOnce.Do(func() { close(g.quit) })
	<-g.stopped
}

// run runs fn in a transaction of a group and returns once that
// transaction committed or failed. A panic in fn is raised again here, in
// the caller's goroutine.
func (g *group) run(ctx context.Context, fn func(tx *Tx) error, unsynced bool) error {
	j := &job{ctx: ctx, fn: fn, unsynced: unsynced, done: make(chan struct{})}
	select {
	case g.jobs <- j:
	case <-g.quit:
		return errors.New("begin: the database is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the job is the group's: it may be running.
	<-j.done
	if j.panicked != nil {
		panic(j.panicked)
	}
	if j.err != nil {
		return j.err
	}
	for _, f := range j.onCommit {
		f()
	}
	return nil
}

// gatherRounds bounds how many times the writer lets other goroutines run
// before a commit, so that a steady stream of arrivals does not hold the
// first transaction back.
const gatherRounds = 4

func (g *group) loop() {
	defer close(g.stopped)
	for {
		var batch []*job
		select {
		case j := <-g.jobs:
			batch = append(batch, j)
		case <-g.quit:
			return
		}
		// Before committing, the writer lets the goroutines ready to run go
		// first, and takes what they hand in, for as long as they do: on a
		// busy server (one core, or every core busy) the callers whose
		// transactions would arrive just after this commit began are
		// among them, and share it and its sync instead of each paying for
		// one. Measured on one core, creates through REST at 10 clients
		// commit three at a time instead of one, at 1.6-2× the rate (make
		// bench). With none ready, Gosched returns at once.
		for range gatherRounds {
			runtime.Gosched()
			if !g.gather(&batch) || len(batch) == maxGroup {
				break
			}
		}
		g.commit(batch)
		for _, j := range batch {
			close(j.done)
		}
		g.boundLog()
	}
}

// gather adds to batch, up to maxGroup, the jobs waiting to be taken, and
// says whether there was any.
func (g *group) gather(batch *[]*job) bool {
	n := len(*batch)
	for len(*batch) < maxGroup {
		select {
		case j := <-g.jobs:
			*batch = append(*batch, j)
		default:
			return len(*batch) > n
		}
	}
	return len(*batch) > n
}

// boundLog truncates the write-ahead log when the file is past half
// walLimit: it copies the whole log into the database and cuts the file to
// nothing, on the writer, so that no commit competes with it.
func (g *group) boundLog() {
	if fi, err := os.Stat(g.db.path + "-wal"); err != nil || fi.Size() < walLimit/2 {
		return
	}
	ctx := context.Background()
	var busy, frames, copied int64
	err := g.db.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied)
	switch {
	case err != nil:
		slog.Warn("sqlite: truncating the write-ahead log failed; will retry after the next commit", "err", err)
	case busy != 0:
		slog.Warn("sqlite: the write-ahead log could not be truncated (readers of older snapshots); will retry after the next commit")
	}
}

// commit runs batch in one transaction and commits it: synced, unless
// every job in it asked for an unsynced commit.
func (g *group) commit(batch []*job) {
	ctx := context.Background()
	unsynced := true
	for _, j := range batch {
		unsynced = unsynced && j.unsynced
	}
	fail := func(err error) {
		for _, j := range batch {
			if j.err == nil && j.panicked == nil {
				j.err = err
			}
		}
	}
	g.db.writeStmts.preparePending(ctx)
	conn, err := g.db.write.Conn(ctx)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer conn.Close()
	if unsynced {
		// SQLite sets durability per connection, outside transactions.
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
			fail(fmt.Errorf("unsynced commit: %w", err))
			return
		}
		defer func() {
			if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
				// Never hand the pool a writer that does not sync: drop it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	// A savepoint costs a copy of each page its job changes (SQLite's
	// sub-journal), a fifth of a large batch's time: a job alone in its
	// transaction needs none, as the transaction is its own.
	alone := len(batch) == 1
	ran := 0
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err // given up before it began
			continue
		}
		if !alone {
			if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
				_ = sqlTx.Rollback()
				fail(fmt.Errorf("begin: %w", err))
				return
			}
		}
		tx := &Tx{tx: sqlTx, dialect: SQLite, stmts: g.db.writeStmts}
		j.err, j.panicked = call(j.fn, tx)
		ok := j.err == nil && j.panicked == nil
		if alone && !ok {
			_ = sqlTx.Rollback()
			return
		}
		if !alone {
			if err := endJob(ctx, sqlTx, ok); err != nil {
				// The transaction itself is gone (SQLite rolls back the
				// whole of it on some errors, such as a full disk): so is
				// the work of the jobs before this one.
				_ = sqlTx.Rollback()
				fail(fmt.Errorf("transaction rolled back: %w", err))
				return
			}
		}
		if ok {
			j.onCommit = tx.onCommit
			ran++
		}
	}
	if ran == 0 {
		_ = sqlTx.Rollback()
		return
	}
	err = sqlTx.Commit()
	g.commits.Add(1)
	g.db.wrote(ran) // even a failed commit may have reached the file
	if err != nil {
		fail(fmt.Errorf("commit: %w", err))
	}
}

// endJob keeps a job's changes, or undoes them (kept false).
func endJob(ctx context.Context, sqlTx *sql.Tx, kept bool) error {
	if !kept {
		if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO job"); err != nil {
			return err
		}
	}
	_, err := sqlTx.ExecContext(ctx, "RELEASE job")
	return err
}

// call runs fn, turning a panic into a value for the caller to raise.
func call(fn func(tx *Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}

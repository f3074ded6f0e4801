// Package sqldb opens a service's database — SQLite by default, PostgreSQL
// when the DSN says postgres:// — and runs its SQL through one code path.
//
// Queries are written once with ? placeholders; on PostgreSQL they are
// rewritten to $1, $2, .... Schema differences live in the migrations (see
// Migrate), not in the queries.
//
// SQLite is opened as two pools over one file in WAL mode: a single
// connection for writes, whose transactions begin IMMEDIATE, and several
// read-only connections. Writers of this process therefore queue in Go
// instead of racing for SQLite's lock, and readers never block them, so
// concurrent writers do not see SQLITE_BUSY; the busy timeout covers other
// processes (a backup, the sqlite3 shell) holding the file.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is the SQL engine behind a DB.
type Dialect int

// Supported engines.
const (
	SQLite Dialect = iota
	Postgres
)

// String names the dialect as migrations' file names do.
func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// SkipLocked is the clause that makes SELECT ... FOR UPDATE pass over rows
// another transaction holds, so that replicas share work instead of waiting.
// SQLite has one writer at a time and needs none.
func (d Dialect) SkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// JoinStrings is the aggregate joining the values of expr with commas, in
// no particular order.
func (d Dialect) JoinStrings(expr string) string {
	if d == Postgres {
		return "string_agg(" + expr + ", ',')"
	}
	return "group_concat(" + expr + ", ',')"
}

// Querier runs queries; both *DB (reads outside a transaction) and *Tx
// satisfy it, so store functions work in and out of transactions.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is a service's database.
type DB struct {
	dialect Dialect
	// path is the SQLite file's.
	path  string
	write *sql.DB
	read  *sql.DB
	// On SQLite, the pools' prepared statements; nil on PostgreSQL, whose
	// driver keeps its own.
	writeStmts, readStmts *statements
	// writes counts the changes committed through this DB.
	writes atomic.Uint64
	// checkpoints runs SQLite's WAL checkpoints, and group its write
	// transactions; nil on PostgreSQL.
	checkpoints *checkpointer
	group       *group
}

// Open connects to dsn: a postgres:// or postgresql:// URL, or else the path
// of a SQLite file (optionally written sqlite:path), created with its
// directory when missing.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	return &DB{dialect: Postgres, write: pool, read: pool}, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	base := sqliteDSN(path)
	// Checkpoints run in the background (see checkpointer), not in commits.
	write, err := sql.Open("sqlite", SQLiteWriterDSN(path)+fmt.Sprintf("&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(%d)", walLimit/4))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// Open the writer first: it switches the file to WAL before any reader
	// looks at it.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"&_query_only=true")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := &DB{dialect: SQLite, path: path, write: write, read: read, writeStmts: newStatements(write), readStmts: newStatements(read)}
	db.group = newGroup(db)
	db.startCheckpointer()
	return db, nil
}

// privateFiles makes the database file at path, and the WAL and shared
// memory files beside it, readable and writable by this user only (0600),
// in a directory made 0700 when it is new: together they hold every
// organisation's data. SQLite gives the WAL and shared-memory files it makes
// later the database file's mode.
func privateFiles(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// sqliteDSN opens path with the settings both pools share: full
// durability (every commit synced), foreign keys on, and temporary storage
// in memory — it holds the statement journal of a multi-row statement, which
// a file would turn into a write system call per page touched.
func sqliteDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_busy_timeout=10000&_foreign_keys=on&_synchronous=full&_pragma=temp_store(memory)"
}

// SQLiteWriterDSN is the database/sql DSN (driver "sqlite") of the writing
// connection Open uses for a SQLite file: WAL, synchronous=full, immediate
// transactions. Benchmarks use it to compare against bare SQLite with the
// same durability.
func SQLiteWriterDSN(path string) string {
	return sqliteDSN(path) + "&_journal_mode=wal&_txlock=immediate"
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.dialect, err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	db.checkpoints.close()
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// ExecContext runs a statement outside a transaction.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer db.wrote(1) // even a failed statement may have changed rows
	if db.writeStmts != nil {
		return db.writeStmts.exec(ctx, nil, query, args)
	}
	return db.write.ExecContext(ctx, db.dialect.rebind(query), args...)
}

// wrote counts n transactions or statements committed and wakes the
// checkpointer.
func (db *DB) wrote(n int) {
	db.writes.Add(uint64(n))
	db.checkpoints.committed()
}

// Writes counts the write transactions and statements committed through db
// in this process. What a cache holds of db is still current while Writes
// has not changed — unless another process writes to the database too, as
// replicas on PostgreSQL do.
func (db *DB) Writes() uint64 { return db.writes.Load() }

// QueryContext runs a read outside a transaction.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.readStmts != nil {
		return db.readStmts.query(ctx, nil, query, args)
	}
	return db.read.QueryContext(ctx, db.dialect.rebind(query), args...)
}

// QueryRowContext runs a one-row read outside a transaction.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if db.readStmts != nil {
		return db.readStmts.queryRow(ctx, nil, query, args)
	}
	return db.read.QueryRowContext(ctx, db.dialect.rebind(query), args...)
}

// Tx is a write transaction. On SQLite its statements run to the end
// whatever becomes of the caller's context: interrupting one would make
// SQLite roll back the whole transaction, which holds other callers'
// transactions too (see group); none of them waits on anything but the
// file.
type Tx struct {
	tx       *sql.Tx
	dialect  Dialect
	stmts    *statements // the writer's, on SQLite
	onCommit []func()
}

// InTx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise. Functions registered with OnCommit run after a
// successful commit. On SQLite, transactions arriving together commit
// together (see group), each still all or nothing.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.group != nil {
		return db.group.run(ctx, fn, false)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return db.run(sqlTx, fn)
}

// InTxUnsynced is InTx for a transaction that only records what may safely
// be done again if the record is lost — a relay marking events sent, which
// the stream would de-duplicate if they were published again: its commit
// does not wait for the disk (unless it commits with others that do). Only
// a power failure or an operating-system crash can lose it; a process crash
// cannot.
func (db *DB) InTxUnsynced(ctx context.Context, fn func(tx *Tx) error) error {
	if db.group != nil {
		return db.group.run(ctx, fn, true)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
			return fmt.Errorf("unsynced commit: %w", err)
		}
		return fn(tx)
	})
}

// run runs fn in sqlTx and commits it when fn returns nil.
func (db *DB) run(sqlTx *sql.Tx, fn func(tx *Tx) error) error {
	tx := &Tx{tx: sqlTx, dialect: db.dialect, stmts: db.writeStmts}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	err := sqlTx.Commit()
	db.wrote(1) // even a failed commit may have reached the file
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// OnCommit registers f to run once the transaction has committed.
func (tx *Tx) OnCommit(f func()) { tx.onCommit = append(tx.onCommit, f) }

// Dialect reports the engine.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Lock serialises, until the transaction ends, the transactions that lock
// the same key — for invariants that span rows, such as "the team tree has
// no cycles", which row locks alone cannot keep under PostgreSQL's READ
// COMMITTED. SQLite runs one write transaction at a time and needs nothing.
func (tx *Tx) Lock(ctx context.Context, key string) error {
	if tx.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key); err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	return nil
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.stmts != nil {
		return tx.stmts.exec(context.WithoutCancel(ctx), tx.tx, query, args)
	}
	return tx.tx.ExecContext(ctx, tx.dialect.rebind(query), args...)
}

// DeleteInBatches runs query, a DELETE whose last argument is the most
// rows it may delete (a LIMIT), in one short transaction after another
// until one deletes fewer than batch, and returns how many rows went in
// all. The transactions commit unsynced: they are for pruning, where a
// deletion lost to a power failure is only done again by the next round;
// and each is short, so that a large backlog never holds the writer long.
func (db *DB) DeleteInBatches(ctx context.Context, batch int64, query string, args ...any) (int64, error) {
	args = append(args[:len(args):len(args)], batch)
	var total int64
	for {
		var n int64
		err := db.InTxUnsynced(ctx, func(tx *Tx) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// ChangedOne runs a statement in the transaction that changes at most one
// row — an update guarded by the revision it read, an insert that does
// nothing on a conflict — and reports whether it changed one.
func (tx *Tx) ChangedOne(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.stmts != nil {
		return tx.stmts.query(context.WithoutCancel(ctx), tx.tx, query, args)
	}
	return tx.tx.QueryContext(ctx, tx.dialect.rebind(query), args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.stmts != nil {
		return tx.stmts.queryRow(context.WithoutCancel(ctx), tx.tx, query, args)
	}
	return tx.tx.QueryRowContext(ctx, tx.dialect.rebind(query), args...)
}

// Bool is b as the 0 or 1 a boolean column holds: SQLite has no boolean
// type, and the schemas use integers on both engines.
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NullString is s as a column value, with "" stored as NULL.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL, leaving
// quoted strings and identifiers alone.
func (d Dialect) rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// IsUniqueViolation reports whether err is a unique or primary key
// constraint violation.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

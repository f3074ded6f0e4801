package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxStatements bounds each pool's prepared statements: queries are mostly
// fixed strings, but some are built per call (IN lists, multi-row inserts),
// and those must not grow the cache without end.
const maxStatements = 512

// statements keeps the prepared statements of one SQLite pool, by query,
// so that a query is parsed and planned once per connection instead of on
// every call — on a primary key read, preparing costs more than running.
// (pgx caches prepared statements per connection itself.)
type statements struct {
	pool *sql.DB

	mu      sync.Mutex
	stmts   map[string]*statement
	pending map[string]bool // run unprepared in a transaction, to prepare
}

// statement is a prepared statement and how many calls are using it, so
// that one dropped from the cache is closed only once none is.
type statement struct {
	stmt    *sql.Stmt
	users   int
	dropped bool
}

func newStatements(pool *sql.DB) *statements {
	return &statements{pool: pool, stmts: map[string]*statement{}, pending: map[string]bool{}}
}

// acquire returns query's statement, preparing it on first use; release it
// once the call has started (the rows keep it open as long as they need).
// Not for use in a transaction of the pool: preparing takes a connection.
func (c *statements) acquire(ctx context.Context, query string) (*statement, error) {
	if s := c.get(query, false); s != nil {
		return s, nil
	}
	prepared, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.put(query, prepared), nil
}

// get returns query's statement, or nil; a missing one is prepared by the
// next preparePending when later is true.
func (c *statements) get(query string, later bool) *statement {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		s.users++
		return s
	}
	if later && len(c.pending) < maxStatements {
		c.pending[query] = true
	}
	return nil
}

// put caches prepared for query and returns it acquired.
func (c *statements) put(query string, prepared *sql.Stmt) *statement {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok { // prepared meanwhile by another call
		_ = prepared.Close()
		s.users++
		return s
	}
	if len(c.stmts) >= maxStatements {
		for q, s := range c.stmts {
			delete(c.stmts, q)
			s.dropped = true
			if s.users == 0 {
				_ = s.stmt.Close()
			}
		}
	}
	s := &statement{stmt: prepared, users: 1}
	c.stmts[query] = s
	return s
}

// preparePending prepares the queries transactions ran unprepared. A
// transaction holds the writer's only connection, so it cannot prepare on
// the pool itself; InTx calls this before it begins the next one.
func (c *statements) preparePending(ctx context.Context) {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		// A query that does not prepare fails when it runs, with its own
		// error; there is nothing to report here.
		if prepared, err := c.pool.PrepareContext(ctx, q); err == nil {
			c.release(c.put(q, prepared))
		}
	}
}

func (c *statements) release(s *statement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.users--
	if s.dropped && s.users == 0 {
		_ = s.stmt.Close()
	}
}

// close closes every statement; the pool is closing.
func (c *statements) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		delete(c.stmts, q)
		_ = s.stmt.Close()
	}
}

// exec runs query, in tx when not nil.
func (c *statements) exec(ctx context.Context, tx *sql.Tx, query string, args []any) (res sql.Result, err error) {
	c.run(ctx, tx, query, func(r runner) { res, err = r.ExecContext(ctx, args...) })
	return res, err
}

// query runs query, in tx when not nil.
func (c *statements) query(ctx context.Context, tx *sql.Tx, query string, args []any) (rows *sql.Rows, err error) {
	c.run(ctx, tx, query, func(r runner) { rows, err = r.QueryContext(ctx, args...) })
	return rows, err
}

// queryRow runs a one-row query, in tx when not nil.
func (c *statements) queryRow(ctx context.Context, tx *sql.Tx, query string, args []any) (row *sql.Row) {
	c.run(ctx, tx, query, func(r runner) { row = r.QueryRowContext(ctx, args...) })
	return row
}

// run calls do with query's prepared statement, bound to tx when not nil,
// and releases it once do has started the query. Without one it runs the
// query unprepared: in tx when the cache has none (a transaction cannot
// prepare: it holds the writer's only connection), on the pool when
// preparing failed — running it then reports the error.
func (c *statements) run(ctx context.Context, tx *sql.Tx, query string, do func(runner)) {
	if tx != nil {
		s := c.get(query, true)
		if s == nil {
			do(unprepared{tx, query})
			return
		}
		defer c.release(s)
		do(tx.StmtContext(ctx, s.stmt))
		return
	}
	s, err := c.acquire(ctx, query)
	if err != nil {
		do(unprepared{c.pool, query})
		return
	}
	defer c.release(s)
	do(s.stmt)
}

// runner runs one query with its arguments: a prepared *sql.Stmt, or an
// unprepared query.
type runner interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// unprepared is a query run as it is, on the pool or in a transaction.
type unprepared struct {
	on interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	query string
}

func (u unprepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return u.on.ExecContext(ctx, u.query, args...)
}

func (u unprepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return u.on.QueryContext(ctx, u.query, args...)
}

func (u unprepared) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return u.on.QueryRowContext(ctx, u.query, args...)
}

// Package sqldbtest runs tests against every database engine available:
// SQLite always, and PostgreSQL when the environment variable PostgresEnv
// holds a DSN (each test then gets a schema of its own, dropped afterwards).
package sqldbtest

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create schemas

	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// PostgresEnv names the variable holding a PostgreSQL DSN for tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "GT_TEST_POSTGRES_DSN"

// Run calls fn in a subtest per engine with the DSN of a fresh, empty
// database; the PostgreSQL subtest skips, saying why, when PostgresEnv is
// unset.
func Run(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// SQLiteDSN returns the path of a new SQLite file in the test's temporary
// directory.
func SQLiteDSN(t *testing.T) string {
	return filepath.Join(t.TempDir(), "test.db")
}

// PostgresDSN returns a DSN whose search_path is a new schema, dropped when
// the test ends; it skips the test when PostgresEnv is unset.
func PostgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run (set it to a DSN such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	schema := fmt.Sprintf("t_%s_%d", strings.ToLower(sanitize(t.Name())), time.Now().UnixNano())
	if len(schema) > 63 {
		schema = schema[len(schema)-63:]
		schema = "t" + schema[1:]
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// Upgrade opens the database at dsn with the schema an older release left:
// the kit's idempotency tables and component's migrations of own (a
// service's embedded files, under migrations/) that sort before first. It
// returns the database and upgrade, which applies the rest: a test writes
// rows as the older release did between the two, then checks what the
// newer migrations made of them.
func Upgrade(t *testing.T, dsn, component string, own fs.FS, first string) (db *sqldb.DB, upgrade func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	files, err := fs.Sub(own, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, "idempotency", idempotency.Migrations); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, component, before(t, files, first)); err != nil {
		t.Fatal(err)
	}
	return db, func() {
		t.Helper()
		if err := db.Migrate(ctx, component, files); err != nil {
			t.Fatal(err)
		}
	}
}

// before returns the migrations of own whose file names sort before first.
func before(t *testing.T, own fs.FS, first string) fs.FS {
	t.Helper()
	files, err := fs.Glob(own, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, f := range files {
		if f < first {
			body, err := fs.ReadFile(own, f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = &fstest.MapFile{Data: body}
		}
	}
	return out
}

// QueryPlan is SQLite's plan of query with args (EXPLAIN QUERY PLAN), its
// steps joined by "; ", for a test that a query searches an index instead
// of reading a table.
func QueryPlan(t *testing.T, db *sqldb.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// Open opens the database at dsn for a test, which closes it when it ends.
func Open(t testing.TB, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

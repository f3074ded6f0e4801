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

// Before returns the migrations of own whose file names sort before
// first: a database as an older release left it, to test an upgrade from.
func Before(t *testing.T, own fs.FS, first string) fs.FS {
	t.Helper()
	files, err := fs.Glob(own, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, f := range files {
		if f < first {
			body, err := fs.ReadFile(own, f)
			if err != nil {
				t.Fatal(err)
			}
			before[f] = &fstest.MapFile{Data: body}
		}
	}
	return before
}

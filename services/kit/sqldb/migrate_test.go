package sqldb_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// logged are migrations that each log a row, so that a test sees which
// ran, and how often: a version that ran twice logs twice.
var logged = fstest.MapFS{
	"0001_log.sql":          {Data: []byte("-- +goose Up\nCREATE TABLE log (what TEXT NOT NULL);\nINSERT INTO log (what) VALUES ('0001');\n")},
	"0002_log.sqlite.sql":   {Data: []byte("-- +goose Up\nINSERT INTO log (what) VALUES ('0002 sqlite');\n")},
	"0002_log.postgres.sql": {Data: []byte("-- +goose Up\nINSERT INTO log (what) VALUES ('0002 postgres');\n")},
	"0003_log.sql":          {Data: []byte("-- +goose Up\nINSERT INTO log (what) VALUES ('0003');\n")},
}

// first returns the files of logged whose names sort before name.
func first(name string) fstest.MapFS {
	out := fstest.MapFS{}
	for f, data := range logged {
		if f < name {
			out[f] = data
		}
	}
	return out
}

// migrateAsBefore leaves db as Migrate did before goose, on a database new
// to component: it runs this engine's files of component, each whole, in
// one transaction, and lists each in schema_migrations as
// NNNN_description.
func migrateAsBefore(t *testing.T, db *sqldb.DB, component string, files fs.FS) {
	t.Helper()
	ctx := context.Background()
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	other := map[sqldb.Dialect]string{sqldb.SQLite: ".postgres.sql", sqldb.Postgres: ".sqlite.sql"}[db.Dialect()]
	err = db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component TEXT NOT NULL,
			version TEXT NOT NULL,
			applied_time BIGINT NOT NULL,
			PRIMARY KEY (component, version))`); err != nil {
			return err
		}
		for _, name := range names {
			if strings.HasSuffix(name, other) {
				continue
			}
			body, err := fs.ReadFile(files, name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			version, _, _ := strings.Cut(name, ".")
			if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (component, version, applied_time) VALUES (?, ?, ?)",
				component, version, time.Now().UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readLog returns the rows of a log table, sorted.
func readLog(t *testing.T, db *sqldb.DB, table string) []string {
	t.Helper()
	out := column[string](t, db, "SELECT what FROM "+table)
	slices.Sort(out)
	return out
}

// gooseVersions returns the versions component's goose table lists.
func gooseVersions(t *testing.T, db *sqldb.DB, component string) []int64 {
	t.Helper()
	return column[int64](t, db, "SELECT version_id FROM goose_db_version_"+component+" ORDER BY version_id")
}

// column returns the one column query selects.
func column[T any](t *testing.T, db *sqldb.DB, query string) []T {
	t.Helper()
	out, err := sqldb.Select(context.Background(), db, "column", func(s sqldb.Scanner) (T, error) {
		var v T
		return v, s.Scan(&v)
	}, query)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A database the releases before goose migrated keeps its migrations:
// goose runs only the versions schema_migrations does not list, and each
// component's are adopted into its own table.
func TestMigrateAdoptsSchemaMigrations(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := sqldbtest.Open(t, dsn)
		migrateAsBefore(t, db, "test", first("0003"))
		// Another component, further behind.
		other := fstest.MapFS{
			"0001_other.sql": {Data: []byte("-- +goose Up\nCREATE TABLE other_log (what TEXT NOT NULL);\nINSERT INTO other_log (what) VALUES ('0001');\n")},
			"0002_other.sql": {Data: []byte("-- +goose Up\nINSERT INTO other_log (what) VALUES ('0002');\n")},
		}
		migrateAsBefore(t, db, "other", fstest.MapFS{"0001_other.sql": other["0001_other.sql"]})

		for range 2 { // the second time, there is nothing left to do
			if err := db.Migrate(ctx, "test", logged); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"0001", "0002 " + db.Dialect().String(), "0003"}
		if got := readLog(t, db, "log"); !slices.Equal(got, want) {
			t.Errorf("log %q, want %q: each migration once", got, want)
		}
		if got := gooseVersions(t, db, "test"); !slices.Equal(got, []int64{0, 1, 2, 3}) {
			t.Errorf("goose_db_version_test lists %v, want versions 0 to 3", got)
		}

		if err := db.Migrate(ctx, "other", other); err != nil {
			t.Fatal(err)
		}
		if got := readLog(t, db, "other_log"); !slices.Equal(got, []string{"0001", "0002"}) {
			t.Errorf("other_log %q, want 0001 and 0002 once each", got)
		}
		if got := gooseVersions(t, db, "other"); !slices.Equal(got, []int64{0, 1, 2}) {
			t.Errorf("goose_db_version_other lists %v, want versions 0 to 2", got)
		}
	})
}

// A database new to goose gets every migration, and one migrated part of
// the way the rest: sqldbtest.Upgrade relies on it.
func TestMigrateInSteps(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := sqldbtest.Open(t, dsn)
		for _, files := range []fstest.MapFS{first("0001"), first("0002"), logged} {
			if err := db.Migrate(ctx, "steps", files); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"0001", "0002 " + db.Dialect().String(), "0003"}
		if got := readLog(t, db, "log"); !slices.Equal(got, want) {
			t.Errorf("log %q, want %q", got, want)
		}
	})
}

// Replicas starting together on PostgreSQL make the version table once,
// adopting schema_migrations once when there is one, and apply each
// migration once.
func TestMigrateConcurrently(t *testing.T) {
	for name, before := range map[string]fstest.MapFS{"new database": nil, "database from before goose": first("0002")} {
		t.Run(name, func(t *testing.T) {
			dsn := sqldbtest.PostgresDSN(t)
			ctx := context.Background()
			dbs := make([]*sqldb.DB, 4)
			for i := range dbs {
				db := sqldbtest.Open(t, dsn)
				dbs[i] = db
			}
			if before != nil {
				migrateAsBefore(t, dbs[0], "replicas", before)
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(dbs))
			for _, db := range dbs {
				wg.Go(func() { errs <- db.Migrate(ctx, "replicas", logged) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if got, want := readLog(t, dbs[0], "log"), []string{"0001", "0002 postgres", "0003"}; !slices.Equal(got, want) {
				t.Errorf("log %q, want %q", got, want)
			}
		})
	}
}

// Migrate refuses what it cannot hand goose — a component name that is no
// SQL identifier, a file name without a version, a file without goose's
// annotation — and names the file that failed.
func TestMigrateRefuses(t *testing.T) {
	db, err := sqldb.Open(context.Background(), sqldbtest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for name, c := range map[string]struct {
		component string
		files     fstest.MapFS
		want      string
	}{
		"component name": {"a-b; DROP TABLE x", logged, "component names"},
		"unversioned":    {"unversioned", fstest.MapFS{"items.sql": {Data: []byte("-- +goose Up\nSELECT 1;\n")}}, "items.sql"},
		"unannotated":    {"unannotated", fstest.MapFS{"0001_items.sql": {Data: []byte("SELECT 1;\n")}}, "0001_items.sql"},
		"failing":        {"failing", fstest.MapFS{"0001_bad.sqlite.sql": {Data: []byte("-- +goose Up\nSELECT nothing FROM nowhere;\n")}}, "0001_bad.sqlite.sql"},
	} {
		err := db.Migrate(context.Background(), c.component, c.files)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Migrate returned %v, want an error saying %q", name, err, c.want)
		}
	}
}

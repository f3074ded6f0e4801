package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// Migrate applies the migrations of component that this database has not
// run yet, in version order.
//
// Goose (github.com/pressly/goose/v3) does the work: it reads each file from
// its "-- +goose Up" annotation on, splits it into statements at the
// semicolons that end lines (a statement holding semicolons of its own, such
// as a PostgreSQL function, sits between "-- +goose StatementBegin" and
// "-- +goose StatementEnd"), runs each migration in a transaction of its
// own and records its version in a version table. Migrate adds:
//
//   - Dialects. migrations holds files named NNNN_description.sql, run on
//     every engine, or NNNN_description.sqlite.sql and
//     NNNN_description.postgres.sql where the engines need different SQL;
//     both variants are version NNNN, and goose sees only this engine's.
//   - A version table per component, goose_db_version_<component>, so that
//     the kit's components and a service's own keep their versions apart in
//     one database.
//   - Adoption of schema_migrations, where the releases before goose
//     recorded every component's migrations: the transaction that creates
//     component's version table enters the versions recorded there as
//     applied, so that an existing database runs none of them again.
//
// On PostgreSQL an advisory lock, held while the version table is made and
// while goose works, makes replicas starting together apply each migration
// once.
func (db *DB) Migrate(ctx context.Context, component string, migrations fs.FS) error {
	if !componentName.MatchString(component) {
		// The name becomes part of a table name, in SQL goose writes.
		return fmt.Errorf("migrate %q: component names are lower-case letters, digits and underscores", component)
	}
	files, err := pickMigrations(migrations, db.dialect)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if len(files.names) == 0 {
		// goose makes no provider without migrations; there is nothing to do.
		return nil
	}
	table := "goose_db_version_" + component
	dialect := goose.DialectSQLite3
	options := []goose.ProviderOption{goose.WithTableName(table), goose.WithDisableGlobalRegistry(true)}
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		options = append(options, goose.WithSessionLocker(advisoryLock{}))
	}
	store, err := database.NewStore(dialect, table)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if err := db.createVersionTable(ctx, component, store); err != nil {
		return fmt.Errorf("migrate %s: version table %s: %w", component, table, err)
	}
	provider, err := goose.NewProvider(dialect, db.write, files, options...)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	_, err = provider.Up(ctx)
	// goose commits on the pool, past InTx: count its commits so that
	// caches (see Writes) and the checkpointer learn of them.
	db.wrote(1)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		// goose's error gives the version; the file says which variant.
		return fmt.Errorf("migrate %s %s: %w", component, partial.Failed.Source.Path, err)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return nil
}

var componentName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// dialectFiles is the view of a component's migrations that goose reads:
// one file of each version, the dialect's. The files keep their names —
// goose takes the version from the number before the first underscore —
// so that an error can name the file that failed.
type dialectFiles struct {
	all   fs.FS
	names []string
}

// pickMigrations chooses the file of each version that dialect d runs: its
// own variant where there is one, else the file every engine runs.
func pickMigrations(migrations fs.FS, d Dialect) (dialectFiles, error) {
	files, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return dialectFiles{}, err
	}
	chosen := map[string]string{}
	for _, f := range files {
		// goose would pass over a file whose name has no version.
		if _, err := goose.NumericComponent(f); err != nil {
			return dialectFiles{}, fmt.Errorf("%s: %w", f, err)
		}
		version, engine, specific := strings.Cut(strings.TrimSuffix(f, ".sql"), ".")
		switch {
		case !specific:
			if _, ok := chosen[version]; !ok {
				chosen[version] = f
			}
		case engine == d.String():
			chosen[version] = f
		case engine != SQLite.String() && engine != Postgres.String():
			return dialectFiles{}, fmt.Errorf("%s: unknown engine %q in file name", f, engine)
		}
	}
	names := make([]string, 0, len(chosen))
	for _, f := range chosen {
		names = append(names, f)
	}
	slices.Sort(names)
	return dialectFiles{all: migrations, names: names}, nil
}

// Open opens one of the chosen files.
func (f dialectFiles) Open(name string) (fs.File, error) {
	if !slices.Contains(f.names, name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return f.all.Open(name)
}

// Glob lists the chosen files that match pattern; goose finds its
// migrations with it.
func (f dialectFiles) Glob(pattern string) ([]string, error) {
	var out []string
	for _, name := range f.names {
		ok, err := path.Match(pattern, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, name)
		}
	}
	return out, nil
}

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations. The releases before goose took the same key (with
// pg_advisory_xact_lock), so that during a rolling upgrade their replicas
// and newer ones exclude each other too.
const migrationLock = 7707060

// advisoryLock is goose's session locker holding migrationLock. goose's own
// (lock.NewPostgresSessionLocker) polls pg_try_advisory_lock a second or
// more apart; pg_advisory_lock waits only as long as the migration it waits
// for runs, and ctx still ends the wait.
type advisoryLock struct{}

// SessionLock takes the lock for conn's session.
func (advisoryLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// SessionUnlock releases the lock conn's session holds.
func (advisoryLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}

// createVersionTable creates store's table, component's goose version
// table, unless it exists, with goose's version 0 and the versions
// schema_migrations records for component. One transaction does all of
// it, so that goose, and every other replica, finds either no table or one
// with every adopted version; goose would otherwise make the table itself,
// empty.
func (db *DB) createVersionTable(ctx context.Context, component string, store database.Store) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // after Commit, a no-op
	if db.dialect == Postgres {
		// The key goose's session lock takes: replicas making the table
		// wait for each other and for one migrating.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if exists, err := db.tableExists(ctx, tx, store.Tablename()); err != nil || exists {
		return err
	}
	adopted, err := db.recordedVersions(ctx, tx, component)
	if err != nil {
		return fmt.Errorf("adopt schema_migrations: %w", err)
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range append([]int64{0}, adopted...) {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.wrote(1)
	return nil
}

// recordedVersions returns, in ascending order, the versions of component
// that the releases before goose recorded in schema_migrations, if any.
func (db *DB) recordedVersions(ctx context.Context, tx *sql.Tx, component string) ([]int64, error) {
	if exists, err := db.tableExists(ctx, tx, "schema_migrations"); err != nil || !exists {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, db.dialect.rebind("SELECT version FROM schema_migrations WHERE component = ?"), component)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var versions []int64
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		// name is the file's without its extensions: NNNN_description.
		v, err := goose.NumericComponent(name + ".sql")
		if err != nil {
			return nil, fmt.Errorf("version %q: %w", name, err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(versions)
	return versions, nil
}

// tableExists reports whether the table name exists — on PostgreSQL in the
// schema that new tables go to, where goose looks for its table.
func (db *DB) tableExists(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	query := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.dialect == Postgres {
		query = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1"
	}
	var n int
	if err := tx.QueryRowContext(ctx, query, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}

package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// Migrate applies the migrations of component that this database has not
// run yet, in file-name order, in one transaction, and records each in the
// schema_migrations table.
//
// migrations holds files named NNNN_description.sql, run on every engine, or
// NNNN_description.sqlite.sql and NNNN_description.postgres.sql where the
// engines need different SQL; both variants count as version
// NNNN_description. On PostgreSQL an advisory lock makes replicas starting
// together apply each migration once.
func (db *DB) Migrate(ctx context.Context, component string, migrations fs.FS) error {
	versions, err := pickMigrations(migrations, db.dialect)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7707060)"); err != nil {
				return fmt.Errorf("migrate %s: lock: %w", component, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component TEXT NOT NULL,
			version TEXT NOT NULL,
			applied_time BIGINT NOT NULL,
			PRIMARY KEY (component, version))`); err != nil {
			return fmt.Errorf("migrate %s: %w", component, err)
		}
		for _, v := range versions {
			var n int
			if err := tx.QueryRowContext(ctx,
				"SELECT COUNT(*) FROM schema_migrations WHERE component = ? AND version = ?",
				component, v.version).Scan(&n); err != nil {
				return fmt.Errorf("migrate %s: %w", component, err)
			}
			if n > 0 {
				continue
			}
			body, err := fs.ReadFile(migrations, v.file)
			if err != nil {
				return fmt.Errorf("migrate %s: %w", component, err)
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migrate %s %s: %w", component, v.file, err)
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO schema_migrations (component, version, applied_time) VALUES (?, ?, ?)",
				component, v.version, time.Now().UnixMicro()); err != nil {
				return fmt.Errorf("migrate %s: %w", component, err)
			}
		}
		return nil
	})
}

type migration struct{ version, file string }

func pickMigrations(migrations fs.FS, d Dialect) ([]migration, error) {
	files, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	chosen := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(f, ".sql")
		version, engine, specific := strings.Cut(name, ".")
		switch {
		case !specific:
			if _, ok := chosen[version]; !ok {
				chosen[version] = f
			}
		case engine == d.String():
			chosen[version] = f
		case engine != SQLite.String() && engine != Postgres.String():
			return nil, fmt.Errorf("%s: unknown engine %q in file name", f, engine)
		}
	}
	out := make([]migration, 0, len(chosen))
	for v, f := range chosen {
		out = append(out, migration{version: v, file: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Newer records, in tx, that the state of subject as of version (an update
// time, say) is being applied, and reports whether it is newer than every
// state applied before. A consumer skips what is not: JetStream may
// redeliver an older event after a newer one, and applying it would undo
// the newer.
func Newer(ctx context.Context, tx *sqldb.Tx, subject string, version int64) (bool, error) {
	var seen int64
	err := tx.QueryRowContext(ctx, "SELECT version FROM event_versions WHERE subject = ?", subject).Scan(&seen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("event version of %s: %w", subject, err)
	case seen > version:
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO event_versions (subject, version) VALUES (?, ?)
		ON CONFLICT (subject) DO UPDATE SET version = excluded.version`, subject, version)
	if err != nil {
		return false, fmt.Errorf("event version of %s: %w", subject, err)
	}
	return true, nil
}

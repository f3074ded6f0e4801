package events

import (
	"context"
	"fmt"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Newer records, in tx, that the state of subject as of version (an update
// time, say) is being applied, and reports whether it is newer than every
// state applied before. A consumer skips what is not: JetStream may
// redeliver an older event after a newer one, and applying it would undo
// the newer.
//
// The check and the record are one statement, so that two replicas applying
// the same state concurrently cannot both see it as new: on PostgreSQL the
// second waits for the first's row and then finds its version not newer.
func Newer(ctx context.Context, tx *sqldb.Tx, subject string, version int64) (bool, error) {
	newer, err := tx.ChangedOne(ctx, `INSERT INTO event_versions (subject, version) VALUES (?, ?)
		ON CONFLICT (subject) DO UPDATE SET version = excluded.version WHERE event_versions.version < excluded.version`,
		subject, version)
	if err != nil {
		return false, fmt.Errorf("event version of %s: %w", subject, err)
	}
	return newer, nil
}

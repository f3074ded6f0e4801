package planning

import (
	"context"
	"errors"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Roll-ups across organisations. A change holds its own organisation's
// plan lock only, so the elements of other organisations it supports are
// not refreshed in its transaction: it records them in rollup_pending, and
// drainOnce (run by host.Base.Repeat) refreshes each afterwards, in a
// transaction of its own that holds that organisation's lock — at once in
// the process that made the change, within drainInterval in any replica.

// drainInterval is how often each replica looks for roll-ups another made
// pending.
const drainInterval = time.Second

// pending records, in tx, that the roll-ups of the elements of other
// organisations r supports must be refreshed, with cause.
func (e emitter) pending(ctx context.Context, tx *sqldb.Tx, r *elementRecord, cause string) error {
	for _, l := range linksUp(r) {
		if l.orgID == r.orgID {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_pending (organisation_id, element_id, cause) VALUES (?, ?, ?)
			ON CONFLICT (organisation_id, element_id) DO UPDATE SET cause = excluded.cause`, l.orgID, l.id, cause); err != nil {
			return err
		}
		tx.OnCommit(e.wake)
	}
	return nil
}

// pendingFrom records, in tx, that the roll-ups of every element of
// another organisation that an element of orgID supports must be refreshed:
// orgID's plan was deleted or restored.
func (e emitter) pendingFrom(ctx context.Context, tx *sqldb.Tx, orgID, cause string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_pending (organisation_id, element_id, cause)
		SELECT DISTINCT supported_organisation_id, supported_id, ? FROM element_supports
		WHERE organisation_id = ? AND supported_organisation_id <> organisation_id
		ON CONFLICT (organisation_id, element_id) DO UPDATE SET cause = excluded.cause`, cause, orgID); err != nil {
		return err
	}
	tx.OnCommit(e.wake)
	return nil
}

// pendingRollup is one row of rollup_pending.
type pendingRollup struct{ orgID, id, cause string }

// drainOnce refreshes the roll-ups pending now, each in a transaction that
// holds its organisation's plan and takes the row, so that two replicas
// never refresh the same one twice for one change.
func drainOnce(ctx context.Context, db *sqldb.DB, em emitter) error {
	rows, err := sqldb.Select(ctx, db, "pending roll-ups", func(s sqldb.Scanner) (p pendingRollup, err error) {
		return p, s.Scan(&p.orgID, &p.id, &p.cause)
	}, "SELECT organisation_id, element_id, cause FROM rollup_pending ORDER BY organisation_id, element_id LIMIT 100")
	if err != nil {
		return err
	}
	for _, p := range rows {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Lock(ctx, planLock(p.orgID)); err != nil {
				return err
			}
			taken, err := tx.ChangedOne(ctx, "DELETE FROM rollup_pending WHERE organisation_id = ? AND element_id = ?", p.orgID, p.id)
			if err != nil || !taken {
				return err
			}
			err = refresh(ctx, tx, em, p.orgID, p.id, p.cause)
			if errors.Is(err, resource.ErrNotFound) {
				return nil // a link to an element there is no more: nothing to refresh
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

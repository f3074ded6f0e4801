package planning

import (
	"context"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// refresh recomputes the roll-ups of element id, then of its parent, and so
// on up the thread, stopping at the first element whose health and
// progress do not change: a change touches only its ancestors, and usually
// not all of them. Each change is an ElementHealthChanged event with cause.
func refresh(ctx context.Context, tx *sqldb.Tx, em emitter, orgID, id, cause string) error {
	for id != "" {
		r, err := getElement(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		own, err := ownKPIHealth(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		kids, err := children(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		health, progress := rollup(r.el.Level, r.el.Status, r.manualProgress, own, kids)
		if own == r.el.KpiHealth && health == r.el.Health && progress == r.el.Progress {
			return nil
		}
		oldHealth, oldProgress := r.el.Health, r.el.Progress
		r.el.KpiHealth, r.el.Health, r.el.Progress = own, health, progress
		if err := setRollup(ctx, tx, r); err != nil {
			return err
		}
		if health == oldHealth && progress == oldProgress {
			return nil // only the element's own KPI health moved; its parent reads health and progress
		}
		if err := em.healthChanged(ctx, tx, r.el, oldHealth, oldProgress, cause); err != nil {
			return err
		}
		if r.el.DeleteTime != nil {
			return nil // a deleted element is out of its parent's roll-up
		}
		id = r.parentID
	}
	return nil
}

// refreshAll refreshes from each of ids in turn ("" and repeats skipped).
func refreshAll(ctx context.Context, tx *sqldb.Tx, em emitter, orgID, cause string, ids ...string) error {
	done := map[string]bool{"": true}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		if err := refresh(ctx, tx, em, orgID, id, cause); err != nil {
			return err
		}
	}
	return nil
}

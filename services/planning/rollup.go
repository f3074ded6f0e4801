package planning

import (
	"context"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// refresh recomputes the roll-ups of element id, then of the elements
// above it — its parent, its thematic goal, the elements it supports — and
// so on up the thread, stopping at each element whose health and progress
// do not change: a change touches only what is above it, and usually not
// all of that. Each change is an ElementHealthChanged event with cause.
// An element whose roll-ups stay costs one read (two with drivers); the
// whole element is read only to write and announce a change.
func refresh(ctx context.Context, tx *sqldb.Tx, em emitter, orgID, id, cause string) error {
	for queue := []string{id}; len(queue) > 0; queue = queue[1:] {
		if queue[0] == "" {
			continue
		}
		st, err := readRollup(ctx, tx, orgID, queue[0])
		if err != nil {
			return err
		}
		own, in := st.own, st.in
		health, progress := rollup(st.level, st.status, st.manualProgress, own, in)
		driven := drivers(health, in)
		if own == st.kpiHealth && health == st.health && progress == st.progress && sameDrivers(driven, st.drivers) {
			continue
		}
		r, err := getElement(ctx, tx, orgID, queue[0])
		if err != nil {
			return err
		}
		oldHealth, oldProgress, before := r.Msg.Health, r.Msg.Progress, shareOf(r)
		now := timestamppb.Now()
		if health != oldHealth {
			r.Msg.HealthChangeTime = now
			if err := recordChange(ctx, tx, r, healthChange, int32(oldHealth), int32(health), now.AsTime()); err != nil {
				return err
			}
		}
		// The plan as of a past date reads its roll-ups from these.
		if progress != oldProgress {
			if err := recordChange(ctx, tx, r, progressChange, oldProgress, progress, now.AsTime()); err != nil {
				return err
			}
		}
		r.Msg.KpiHealth, r.Msg.Health, r.Msg.Progress, r.Msg.HealthDrivers = own, health, progress, driven
		if err := setRollup(ctx, tx, r, before); err != nil {
			return err
		}
		if health == oldHealth && progress == oldProgress {
			continue // only its own KPI health or its drivers moved; those above read health and progress
		}
		if err := em.healthChanged(ctx, tx, r.Msg, oldHealth, oldProgress, cause); err != nil {
			return err
		}
		if r.Msg.DeleteTime != nil {
			continue // a deleted element is out of the roll-ups above it
		}
		queue = append(queue, above(r)...)
		if err := em.pending(ctx, tx, r, cause); err != nil {
			return err
		}
	}
	return nil
}

// above are the ids of the elements of r's organisation that r's roll-up
// feeds (linksUp); those of other organisations are pending's.
func above(r *elementRecord) []string {
	var ids []string
	for _, l := range linksUp(r) {
		if l.orgID == r.orgID {
			ids = append(ids, l.id)
		}
	}
	return ids
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

// sameDrivers reports whether a and b name the same drivers alike.
func sameDrivers(a, b []*pb.HealthDriver) bool {
	return slices.EqualFunc(a, b, func(x, y *pb.HealthDriver) bool { return proto.Equal(x, y) })
}

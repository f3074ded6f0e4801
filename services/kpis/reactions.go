package kpis

import (
	"context"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/organisations/orgevents"
)

// reactions applies changes made elsewhere to KPIs, inside the consumer's
// transaction (once per event), with the KPIs' own events.
type reactions struct {
	kpis   resource.Engine[*kpiRecord, *pb.Kpi]
	events emitter
}

// handlers are the events the KPIs react to.
func (r reactions) handlers() events.Handlers {
	h := orgevents.Cascade(r.kpis.OrganisationCascade, kpiLock)
	events.On(h, func(ctx context.Context, tx *sqldb.Tx, ev *planningpb.ElementDeleted) error {
		return r.elementChanged(ctx, tx, ev.Element, true)
	})
	events.On(h, func(ctx context.Context, tx *sqldb.Tx, ev *planningpb.ElementUndeleted) error {
		return r.elementChanged(ctx, tx, ev.Element, false)
	})
	events.On(h, func(ctx context.Context, tx *sqldb.Tx, ev *planningpb.ElementUpdated) error {
		return r.elementMoved(ctx, tx, ev.Element)
	})
	return h
}

// elementMoved keeps the status and end date of an updated element on its
// live KPIs, where they changed, and recomputes them: a done or dropped
// element, or one whose horizon has ended, closes them.
func (r reactions) elementMoved(ctx context.Context, tx *sqldb.Tx, el *planningpb.Element) error {
	ids, err := resourcename.Parse(el.GetName(), "organisations", "elements")
	if err != nil {
		return events.Permanent(fmt.Errorf("element event: %w", err))
	}
	if err := lockKpis(ctx, tx, ids[0]); err != nil {
		return err
	}
	probe := &kpiRecord{}
	probe.setElement(el)
	recs, err := kpisWhere(ctx, tx, "delete_time IS NULL AND organisation_id = ? AND element_id = ? AND (element_status <> ? OR element_end_date <> ?)",
		ids[0], ids[1], int32(probe.elementStatus), probe.elementEnd)
	if err != nil {
		return err
	}
	for _, k := range recs {
		k.setElement(el)
		if err := recompute(ctx, tx, r.events, k, ""); err != nil {
			return err
		}
	}
	return nil
}

// SetCascaded implements resource.Cascaded: only the KPIs the
// organisation's deletion deleted come back with its undeletion.
func (r *kpiRecord) SetCascaded(deleted bool) { r.deletedWithOrg = deleted }

// elementChanged flags the live KPIs of a deleted element as unlinked (they
// are kept), or clears the flag when it is restored.
func (r reactions) elementChanged(ctx context.Context, tx *sqldb.Tx, el *planningpb.Element, deleted bool) error {
	ids, err := resourcename.Parse(el.GetName(), "organisations", "elements")
	if err != nil {
		return events.Permanent(fmt.Errorf("element event: %w", err))
	}
	if err := lockKpis(ctx, tx, ids[0]); err != nil {
		return err
	}
	recs, err := kpisWhere(ctx, tx, "delete_time IS NULL AND organisation_id = ? AND element_id = ? AND element_deleted = ?",
		ids[0], ids[1], sqldb.Bool(!deleted))
	if err != nil {
		return err
	}
	return r.kpis.Recompute(ctx, tx, recs, func(k *kpiRecord) { k.Msg.ElementDeleted = deleted }, setComputed, "element_deleted")
}

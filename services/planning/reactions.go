package planning

import (
	"context"
	"errors"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/organisations/orgevents"
)

// reactions applies changes made elsewhere to the plan, each inside the
// consumer's transaction (so once per event), with the plan's own events.
// Each takes the plan's lock first, as the API's changes do: the roll-ups
// it recomputes read and move other rows (the aggregates of the elements
// above, the element's other KPIs) that a concurrent reaction in another replica, or a concurrent
// call, may be changing.
type reactions struct {
	elements resource.Engine[*elementRecord, *pb.Element]
	events   emitter
}

// handlers are the events the plan reacts to.
func (r reactions) handlers() events.Handlers {
	h := orgevents.Cascade(r.organisationChanged, lockPlan)
	events.On(h, func(ctx context.Context, tx *sqldb.Tx, ev *teamspb.TeamDeleted) error {
		return r.teamChanged(ctx, tx, ev.Team.GetName(), true)
	})
	events.On(h, func(ctx context.Context, tx *sqldb.Tx, ev *teamspb.TeamUndeleted) error {
		return r.teamChanged(ctx, tx, ev.Team.GetName(), false)
	})
	events.On(h, r.kpiChanged)
	return h
}

// organisationChanged deletes or restores an organisation's plan with it,
// and refreshes what its elements support in other organisations.
func (r reactions) organisationChanged(ctx context.Context, tx *sqldb.Tx, ids []string, cause string, deleted bool) error {
	if err := r.elements.OrganisationCascade(ctx, tx, ids, cause, deleted); err != nil {
		return err
	}
	return r.events.pendingFrom(ctx, tx, ids[0], cause)
}

// SetCascaded implements resource.Cascaded: only the elements the
// organisation's deletion deleted come back with its undeletion.
func (r *elementRecord) SetCascaded(deleted bool) { r.deletedWithOrg = deleted }

// teamChanged flags the live elements a deleted team owns, or clears the
// flag when it is restored.
func (r reactions) teamChanged(ctx context.Context, tx *sqldb.Tx, team string, deleted bool) error {
	ids, err := resourcename.Parse(team, "organisations", "teams")
	if err != nil {
		return events.Permanent(fmt.Errorf("team event: %w", err))
	}
	if err := tx.Lock(ctx, planLock(ids[0])); err != nil {
		return err
	}
	recs, err := teamElements(ctx, tx, ids[0], ids[1], deleted)
	if err != nil {
		return err
	}
	return r.elements.Recompute(ctx, tx, recs, func(e *elementRecord) { e.Msg.OwnerTeamDeleted = deleted }, setOwnerTeamDeleted, "owner_team_deleted")
}

// kpiChanged records a KPI's status and the element it measures, then
// rolls the change up from that element (and from the one it left).
func (r reactions) kpiChanged(ctx context.Context, tx *sqldb.Tx, ev *kpipb.KpiStatusChanged) error {
	kpi, err := resourcename.Parse(ev.Kpi, "organisations", "kpis")
	if err != nil {
		return events.Permanent(fmt.Errorf("kpi event: %w", err))
	}
	orgID := kpi[0]
	elementID, err := optionalRef("element", "elements", orgID, ev.Element)
	if err != nil {
		return events.Permanent(fmt.Errorf("kpi event: %w", err))
	}
	if err := tx.Lock(ctx, planLock(orgID)); err != nil {
		return err
	}
	applied, before, err := upsertKPI(ctx, tx, orgID, kpi[1], elementID, ev.NewStatus, resource.Micros(ev.ChangeTime))
	if err != nil || !applied {
		return err
	}
	targets := []string{elementID}
	if before != "" && before != elementID {
		targets = append(targets, before)
	}
	for _, id := range targets {
		if _, err := getElement(ctx, tx, orgID, id); errors.Is(err, resource.ErrNotFound) {
			continue // a KPI of an element the plan does not hold (yet)
		} else if err != nil {
			return err
		}
		if err := refresh(ctx, tx, r.events, orgID, id, ev.Kpi); err != nil {
			return err
		}
	}
	return nil
}

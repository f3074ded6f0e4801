package planning

import (
	"context"
	"errors"
	"fmt"
	"slices"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The hooks the resource engine calls in the transaction of a change to
// the plan: the plan's lock, the checks that read other elements (each
// reads what a rule of elements_rules.go needs and applies it) and the
// effects on other elements (roll-ups, cascades).

// planLock is the lock key of an organisation's plan.
func planLock(orgID string) string { return "planning/plan/" + orgID }

// lockPlan is the Lock hook of every change to an organisation's plan (ids
// start with the organisation's):
// rules spanning elements (horizons, one thematic goal per team) and the
// roll-ups' aggregates, read and moved by each change, hold only if changes
// to one plan take turns.
func lockPlan(ctx context.Context, tx *sqldb.Tx, ids []string) error {
	return tx.Lock(ctx, planLock(ids[0]))
}

// checkLinks applies the rules between r and the elements it names: the
// level order, live targets, horizons inside the parent's and the thematic
// goal's, and one thematic goal per team at a time.
func checkLinks(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	if r.parentID != "" {
		if err := checkLinked(ctx, tx, "element.parent", r.orgID, r.parentID, func(p *pb.Element) error {
			return checkParent(r.Msg, p)
		}); err != nil {
			return err
		}
	}
	for _, l := range linksUp(r) {
		if l.kind != pb.LinkKind_LINK_KIND_SUPPORTS {
			continue
		}
		if err := checkLinked(ctx, tx, "element.supports", l.orgID, l.id, func(sup *pb.Element) error {
			if l.orgID != r.orgID {
				return checkSupportedAcross("element.supports", r.Msg, sup)
			}
			return checkParentLevel("element.supports", r.Msg, sup)
		}); err != nil {
			return err
		}
	}
	if r.thematicGoal != "" {
		if err := checkLinked(ctx, tx, "element.thematic_goal", r.orgID, r.thematicGoal, func(goal *pb.Element) error {
			return checkThematicGoal(r.Msg, goal)
		}); err != nil {
			return err
		}
	}
	if r.Msg.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		other, err := overlappingThematicGoal(ctx, tx, r)
		if err != nil {
			return err
		}
		if other != nil {
			return checkOneThematicGoal(r.Msg, other.Msg)
		}
	}
	return nil
}

// checkLinked applies rule to the element r names in field.
func checkLinked(ctx context.Context, tx *sqldb.Tx, field, orgID, id string, rule func(linked *pb.Element) error) error {
	e, err := linked(ctx, tx, field, orgID, id)
	if err != nil {
		return err
	}
	return rule(e.Msg)
}

// linked reads an element r names in field: INVALID_ARGUMENT when there is
// none.
func linked(ctx context.Context, tx *sqldb.Tx, field, orgID, id string) (*elementRecord, error) {
	e, err := getElement(ctx, tx, orgID, id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, apierr.InvalidArgument(field, "no such element: "+elementName(orgID, id))
	}
	return e, err
}

// checkDependants applies, to a change from current to next, the rules of
// the elements that depend on it: its children's horizons, and its
// defining objectives' when it is a thematic goal. A new horizon is checked
// against the bound of theirs the element keeps (inputsHorizon) first: they
// are read only when it cuts into the bound.
func checkDependants(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
	start, end := dates.Format(next.Msg.StartDate), dates.Format(next.Msg.EndDate)
	var boundStart, boundEnd string // read once, when a horizon check needs it
	bounded := false
	for _, which := range dependantsToCheck(current.Msg, next.Msg) {
		if which == childrenOutside || which == definingObjectivesOutside {
			if !bounded {
				var err error
				if boundStart, boundEnd, err = inputsHorizon(ctx, tx, current.orgID, current.id); err != nil {
					return err
				}
				bounded = true
			}
			// Every child and defining objective there ever was lies inside
			// the bound: a horizon around it leaves none of them outside,
			// whatever their number, and none need be read.
			if horizonHolds(start, end, boundStart, boundEnd) {
				continue
			}
		}
		d, err := firstDependant(ctx, tx, which, current.orgID, current.id, start, end)
		if err != nil {
			return err
		}
		if d != nil {
			return checkNoDependant(which, d.Msg)
		}
	}
	return nil
}

// checkUpdate is the Check hook of an update: the rules of next's links,
// of its cycle when it changes, and of the elements that depend on it.
func checkUpdate(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
	if err := checkLinks(ctx, tx, next); err != nil {
		return err
	}
	if next.cycleID != current.cycleID {
		if err := checkJoins(ctx, tx, next); err != nil {
			return err
		}
	}
	return checkDependants(ctx, tx, current, next)
}

// checkCreate is the Check hook of a create: the rules of r's links, and
// its cycle.
func checkCreate(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	if err := checkLinks(ctx, tx, r); err != nil {
		return err
	}
	return checkJoins(ctx, tx, r)
}

// checkJoins applies the rule of an element joining its cycle, if it has
// one: the cycle exists and is open.
func checkJoins(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	if r.cycleID == "" {
		return nil
	}
	c, err := getCycle(ctx, tx, r.orgID, r.cycleID)
	if errors.Is(err, resource.ErrNotFound) {
		return apierr.InvalidArgument("element.cycle", "no such cycle: "+r.Msg.Cycle)
	}
	if err != nil {
		return err
	}
	return checkOpen("element.cycle", c.Msg)
}

// checkUndelete is the Check hook of an undelete: a restored element obeys
// the rules of its links again (its parent, say, must be live).
func checkUndelete(ctx context.Context, tx *sqldb.Tx, r, _ *elementRecord) error {
	return checkLinks(ctx, tx, r)
}

// The After hooks refresh the roll-ups a change affects (rollup.go), with
// the element's name as the cause of their events.

// afterCreate refreshes the roll-ups of the elements above the new one.
func afterCreate(em emitter) func(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	return func(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
		if err := em.pending(ctx, tx, r, r.Msg.Name); err != nil {
			return err
		}
		return refreshAll(ctx, tx, em, r.orgID, r.Msg.Name, above(r)...)
	}
}

// afterUpdate refreshes the element's own roll-up, then those above it,
// whose inputs (this child's status, say) may have changed even when the
// element's roll-up did not; and those above it before, if its links
// moved.
func afterUpdate(em emitter) func(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
	return func(ctx context.Context, tx *sqldb.Tx, current, next *elementRecord) error {
		for _, r := range []*elementRecord{current, next} {
			if err := em.pending(ctx, tx, r, next.Msg.Name); err != nil {
				return err
			}
		}
		return refreshAll(ctx, tx, em, next.orgID, next.Msg.Name, slices.Concat([]string{next.id}, above(next), above(current))...)
	}
}

// afterUndelete restores what the element's forced deletion took with it
// (those of its descendants still deleted), each with its event naming
// the element as the cause, and refreshes the roll-ups of them all and
// of those above, which count them again.
func afterUndelete(em emitter) func(ctx context.Context, tx *sqldb.Tx, _, r *elementRecord) error {
	return func(ctx context.Context, tx *sqldb.Tx, _, r *elementRecord) error {
		taken, err := takenWith(ctx, tx, r.orgID, r.id)
		if err != nil {
			return err
		}
		ids := append([]string{r.id}, above(r)...)
		for _, e := range append([]*elementRecord{r}, taken...) {
			if e != r {
				markDeleted(e, false, false, r.Msg.UpdateActor)
				e.deletedWith = ""
				if err := writeElement(ctx, tx, e); err != nil {
					return err
				}
				if err := em.Undeleted(ctx, tx, e.Msg, r.Msg.Name); err != nil {
					return err
				}
				if err := history.Record(ctx, tx, e.Msg, historypb.Action_ACTION_UNDELETED, r.Msg.UpdateActor); err != nil {
					return err
				}
				ids = append(ids, e.id)
				ids = append(ids, above(e)...)
			}
			if err := em.pending(ctx, tx, e, r.Msg.Name); err != nil {
				return err
			}
		}
		return refreshAll(ctx, tx, em, r.orgID, r.Msg.Name, ids...)
	}
}

// deletion is one DeleteElement: its Check hook finds what goes with the
// element, and its After hook deletes that and rolls the change up.
type deletion struct {
	em    emitter
	force bool
	// descendants are the live elements under the element, parents first,
	// as the check found them.
	descendants []*elementRecord
}

// check applies the rules of deleting r: no live defining objective may
// name it, and live descendants go only with force.
func (d *deletion) check(ctx context.Context, tx *sqldb.Tx, r, _ *elementRecord) error {
	var definer *pb.Element
	if r.Msg.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		e, err := firstDependant(ctx, tx, namingDefiningObjectives, r.orgID, r.id, "", "")
		if err != nil {
			return err
		}
		if e != nil {
			definer = e.Msg
		}
	}
	sub, err := subtree(ctx, tx, r.orgID, r.id)
	if err != nil {
		return err
	}
	if len(sub) == 0 || sub[0].id != r.id {
		return fmt.Errorf("subtree of %s does not start with it", r.Msg.Name)
	}
	d.descendants = sub[1:]
	return checkDelete(r.Msg, definer, len(d.descendants), d.force)
}

// after deletes the element's descendants by the same caller, each with
// its event naming the element as the cause, and then refreshes the
// roll-ups above it.
func (d *deletion) after(ctx context.Context, tx *sqldb.Tx, _, r *elementRecord) error {
	for _, e := range d.descendants {
		markDeleted(e, true, false, r.Msg.UpdateActor)
		e.deletedWith = r.id
		if err := writeElement(ctx, tx, e); err != nil {
			return err
		}
		if err := d.em.Deleted(ctx, tx, e.Msg, r.Msg.Name); err != nil {
			return err
		}
		if err := history.Record(ctx, tx, e.Msg, historypb.Action_ACTION_DELETED, r.Msg.UpdateActor); err != nil {
			return err
		}
	}
	// What the deleted elements fed counts them no more: what is above
	// the element, and what its descendants support outside it.
	ids := above(r)
	for _, e := range append([]*elementRecord{r}, d.descendants...) {
		ids = append(ids, above(e)...)
		if err := d.em.pending(ctx, tx, e, r.Msg.Name); err != nil {
			return err
		}
	}
	return refreshAll(ctx, tx, d.em, r.orgID, r.Msg.Name, ids...)
}

// markDeleted moves r to its next revision, deleted or restored by actor;
// withOrg records that the organisation's deletion caused it. Cascades
// change many elements in one transaction, beside the engine's one.
func markDeleted(r *elementRecord, deleted, withOrg bool, actor string) {
	resource.Revise(r, actor, deleted)
	r.deletedWithOrg = withOrg
}

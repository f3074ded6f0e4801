package planning

import (
	"context"
	"errors"
	"fmt"
	"slices"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// plannerRole is the least role that changes the plan freely.
const plannerRole = orgpb.Role_ROLE_PLANNER

// resolve checks r's own shape and fills in the ids of what it refers to,
// which must all belong to its organisation.
func (r *elementRecord) resolve() error {
	if err := checkShape(r.el); err != nil {
		return err
	}
	var err error
	if r.ownerTeamID, err = sameOrgID("element.owner_team", "teams", r.orgID, r.el.OwnerTeam); err != nil {
		return err
	}
	if r.parentID, err = sameOrgID("element.parent", "elements", r.orgID, r.el.Parent); err != nil {
		return err
	}
	if r.thematicGoal, err = sameOrgID("element.thematic_goal", "elements", r.orgID, r.el.ThematicGoal); err != nil {
		return err
	}
	for _, s := range r.el.Supports {
		if _, err := sameOrgID("element.supports", "elements", r.orgID, s); err != nil {
			return err
		}
		if s == r.el.Parent {
			return apierr.InvalidArgument("element.supports", s+" is the parent already")
		}
	}
	return nil
}

// checkLinks applies the rules between r and the elements it names: the
// level order, live targets, horizons inside the parent's and the thematic
// goal's, and one thematic goal per team at a time.
func checkLinks(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	if r.parentID != "" {
		p, err := linked(ctx, tx, "element.parent", r.orgID, r.parentID)
		if err != nil {
			return err
		}
		if err := checkParentLevel("element.parent", r.el, p.el); err != nil {
			return err
		}
		if err := checkWithin("element.start_date", r.el, p.el); err != nil {
			return err
		}
	}
	for _, s := range r.el.Supports {
		id, _ := parseRef(s, "elements")
		sup, err := linked(ctx, tx, "element.supports", r.orgID, id)
		if err != nil {
			return err
		}
		if err := checkParentLevel("element.supports", r.el, sup.el); err != nil {
			return err
		}
	}
	if r.thematicGoal != "" {
		tg, err := linked(ctx, tx, "element.thematic_goal", r.orgID, r.thematicGoal)
		if err != nil {
			return err
		}
		if tg.el.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
			return apierr.InvalidArgument("element.thematic_goal", tg.el.Name+" is not a thematic goal")
		}
		if tg.el.DeleteTime != nil {
			return apierr.FailedPrecondition("element.thematic_goal", tg.el.Name+" is deleted")
		}
		if err := checkWithin("element.thematic_goal", r.el, tg.el); err != nil {
			return err
		}
	}
	if r.el.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		other, err := overlappingThematicGoal(ctx, tx, r)
		if err != nil {
			return err
		}
		if other != nil {
			return apierr.FailedPrecondition("element.owner_team", fmt.Sprintf(
				"%s already has the thematic goal %s from %s to %s; a team has one thematic goal at a time",
				r.el.OwnerTeam, other.el.Name, formatDate(other.el.StartDate), formatDate(other.el.EndDate)))
		}
	}
	return nil
}

// linked reads an element r names in field: INVALID_ARGUMENT when there is
// none.
func linked(ctx context.Context, tx *sqldb.Tx, field, orgID, id string) (*elementRecord, error) {
	e, err := getElement(ctx, tx, orgID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.InvalidArgument(field, "no such element: "+elementName(orgID, id))
	}
	return e, err
}

// checkDependants applies, to a change from cur to next, the rules of the
// elements that depend on it: its children's horizons, and its defining
// objectives' when it is a thematic goal.
func checkDependants(ctx context.Context, tx *sqldb.Tx, cur, next *elementRecord) error {
	horizonChanged := formatDate(cur.el.StartDate) != formatDate(next.el.StartDate) || formatDate(cur.el.EndDate) != formatDate(next.el.EndDate)
	wasGoal := cur.el.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL
	if wasGoal && next.el.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		if d, err := firstLive(ctx, tx, "organisation_id = ? AND thematic_goal_id = ?", cur.orgID, cur.id); err != nil {
			return err
		} else if d != nil {
			return apierr.FailedPrecondition("element.objective_kind", "defining objectives such as "+d.el.Name+" name it as their thematic goal")
		}
	}
	if !horizonChanged {
		return nil
	}
	start, end := formatDate(next.el.StartDate), formatDate(next.el.EndDate)
	outside := "organisation_id = ? AND (start_date < ? OR end_date > ?) AND "
	for _, dep := range []struct {
		where, what string
		applies     bool
	}{
		{outside + "parent_id = ?", "child", true},
		{outside + "thematic_goal_id = ?", "defining objective", wasGoal},
	} {
		if !dep.applies {
			continue
		}
		d, err := firstLive(ctx, tx, dep.where, cur.orgID, start, end, cur.id)
		if err != nil {
			return err
		}
		if d != nil {
			return apierr.FailedPrecondition("element.start_date", fmt.Sprintf("the %s %s (%s to %s) would fall outside the new horizon",
				dep.what, d.el.Name, formatDate(d.el.StartDate), formatDate(d.el.EndDate)))
		}
	}
	return nil
}

// elementChanged reports whether an update changes any stored field the
// caller controls.
func elementChanged(cur, next *elementRecord) bool {
	a, b := cur.el, next.el
	return a.ObjectiveKind != b.ObjectiveKind || a.Title != b.Title || a.Description != b.Description ||
		a.OwnerTeam != b.OwnerTeam || formatDate(a.StartDate) != formatDate(b.StartDate) ||
		formatDate(a.EndDate) != formatDate(b.EndDate) || a.Status != b.Status || a.PriorityRank != b.PriorityRank ||
		cur.manualProgress != next.manualProgress || a.Parent != b.Parent || !slices.Equal(a.Supports, b.Supports) ||
		a.ThematicGoal != b.ThematicGoal
}

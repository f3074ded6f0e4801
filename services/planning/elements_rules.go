package planning

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/type/date"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of an element, as pure functions of the element as it is
// (current) and as a change would leave it (next), and of the elements it
// names or that name it, which the hooks in elements_hooks.go read from
// the database and pass in. A new element is a change from the empty
// element of its level, so that creating and updating obey one set of
// rules.

// newElement returns the record of a new element of the organisation
// orgID, made from in, or the rule it breaks.
func newElement(orgID, id string, in *pb.Element) (*elementRecord, error) {
	empty := &elementRecord{Stored: resource.Hold(&pb.Element{Name: elementName(orgID, id), Level: in.GetLevel()}), orgID: orgID, id: id}
	r, err := nextElement(empty, in, elementType.Updatable(), false)
	if err != nil {
		return nil, err
	}
	if r.Msg.Status == pb.Status_STATUS_UNSPECIFIED {
		r.Msg.Status = pb.Status_STATUS_PROPOSED
	}
	// Nothing measures or serves a new element yet: its roll-up is its own.
	r.Msg.KpiHealth = pb.Health_HEALTH_UNKNOWN
	r.Msg.Health, r.Msg.Progress = rollup(r.Msg.Level, r.Msg.Status, r.manualProgress, r.Msg.KpiHealth, inputs{})
	return r, nil
}

// nextElement returns current with the fields in paths taken from change,
// or the rule the result breaks on its own or as a change from current.
// levelNamed says whether the caller's mask names the level, which is
// fixed: the level in change must then be the one current has. The stored
// fields that follow from the others are derived again, so that next and
// current compare as the API shows them.
func nextElement(current *elementRecord, change *pb.Element, paths []string, levelNamed bool) (*elementRecord, error) {
	el := resource.ApplyMask(current.Msg, change, paths)
	if levelNamed {
		el.Level = change.GetLevel()
	}
	if err := checkChange(current.Msg, el); err != nil {
		return nil, err
	}
	next := &elementRecord{Stored: resource.Stored[*pb.Element]{Msg: el, Rev: current.Rev}, orgID: current.orgID, id: current.id,
		manualProgress: current.manualProgress, deletedWithOrg: current.deletedWithOrg, predecessorID: current.predecessorID}
	if err := next.resolve(); err != nil {
		return nil, err
	}
	if el.Level == pb.Level_LEVEL_TACTIC {
		next.manualProgress = el.Progress
	}
	// A new owner team is a live one: the caller checked it with the teams
	// service.
	if el.OwnerTeam != current.Msg.OwnerTeam {
		el.OwnerTeamDeleted = false
	}
	// Supports are stored as a set and read back in order.
	slices.Sort(el.Supports)
	return next, nil
}

// checkChange applies the rules of a change from current to next that no
// element breaks on its own: the level is fixed, so that a parent is
// always exactly one level up and the thread can never loop; and progress
// is set by hand only on tactics (elsewhere a caller may send back the
// rolled-up value, not another).
func checkChange(current, next *pb.Element) error {
	if next.Level != current.Level {
		return apierr.InvalidArgument("element.level", "cannot change; create an element at the other level instead")
	}
	if next.Level != pb.Level_LEVEL_TACTIC && next.Progress != current.Progress {
		return apierr.InvalidArgument("element.progress", "is set by hand only on tactics; on other levels it is rolled up")
	}
	return nil
}

// resolve checks r's own shape and fills in the ids of what it refers to,
// which must all belong to its organisation.
func (r *elementRecord) resolve() error {
	if err := checkShape(r.Msg); err != nil {
		return err
	}
	var err error
	if r.ownerTeamID, err = optionalRef("element.owner_team", "teams", r.orgID, r.Msg.OwnerTeam); err != nil {
		return err
	}
	if r.parentID, err = optionalRef("element.parent", "elements", r.orgID, r.Msg.Parent); err != nil {
		return err
	}
	if r.thematicGoal, err = optionalRef("element.thematic_goal", "elements", r.orgID, r.Msg.ThematicGoal); err != nil {
		return err
	}
	if r.cycleID, err = optionalRef("element.cycle", "cycles", r.orgID, r.Msg.Cycle); err != nil {
		return err
	}
	// Supports may name other organisations' elements; the handler asks
	// whether they may (crossOrganisation).
	for _, s := range r.Msg.Supports {
		if _, err := elementType.Parse("element.supports", s); err != nil {
			return err
		}
		if s == r.Msg.Parent {
			return apierr.InvalidArgument("element.supports", s+" is the parent already")
		}
	}
	return nil
}

// checkShape applies the rules an element obeys on its own: what its level
// asks of parent, kind, thematic goal and supports, and a horizon that
// starts before it ends.
func checkShape(e *pb.Element) error {
	if e.Level == pb.Level_LEVEL_UNSPECIFIED {
		return apierr.InvalidArgument("element.level", "is required: LEVEL_VISION, LEVEL_MISSION, LEVEL_OBJECTIVE, LEVEL_STRATEGY or LEVEL_TACTIC")
	}
	switch {
	case e.Level == pb.Level_LEVEL_VISION && e.Parent != "":
		return apierr.InvalidArgument("element.parent", "a vision has no parent")
	case e.Level != pb.Level_LEVEL_VISION && e.Parent == "":
		return apierr.InvalidArgument("element.parent", fmt.Sprintf("is required: the %s it belongs to", levelAbove(e.Level)))
	case e.Level != pb.Level_LEVEL_OBJECTIVE && e.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_UNSPECIFIED:
		return apierr.InvalidArgument("element.objective_kind", "only objectives have a kind")
	case e.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE && e.ThematicGoal == "":
		return apierr.InvalidArgument("element.thematic_goal", "is required for a defining objective: the thematic goal it defines")
	case e.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE && e.ThematicGoal != "":
		return apierr.InvalidArgument("element.thematic_goal", "only defining objectives name a thematic goal")
	case e.Level == pb.Level_LEVEL_VISION && len(e.Supports) > 0:
		return apierr.InvalidArgument("element.supports", "a vision supports nothing above it")
	case e.StartDate == nil:
		return apierr.InvalidArgument("element.start_date", "is required")
	case e.EndDate == nil:
		return apierr.InvalidArgument("element.end_date", "is required")
	}
	for _, d := range []struct {
		field string
		date  *date.Date
	}{{"element.start_date", e.StartDate}, {"element.end_date", e.EndDate}} {
		if err := dates.Check(d.field, d.date); err != nil {
			return err
		}
	}
	if dates.Format(e.StartDate) > dates.Format(e.EndDate) {
		return apierr.InvalidArgument("element.end_date", "must not be before start_date")
	}
	return nil
}

// levelAbove names the level a parent must have.
func levelAbove(l pb.Level) pb.Level { return l - 1 }

// The rules between an element and the elements it names.

// checkParentLevel applies the level order to a parent or supported
// element, which must be live.
func checkParentLevel(field string, child, parent *pb.Element) error {
	if parent.Level != levelAbove(child.Level) {
		return apierr.InvalidArgument(field, fmt.Sprintf("%s is a %s; a %s belongs under a %s",
			parent.Name, parent.Level, child.Level, levelAbove(child.Level)))
	}
	if parent.DeleteTime != nil {
		return apierr.FailedPrecondition(field, parent.Name+" is deleted")
	}
	return nil
}

// checkSupportedAcross applies the level order to an element another
// organisation's element supports, which must be live and of a higher
// level: plans of different organisations differ in grain (a company's
// objective serves a council's vision).
func checkSupportedAcross(field string, e, supported *pb.Element) error {
	if supported.Level >= e.Level {
		return apierr.InvalidArgument(field, fmt.Sprintf("%s is a %s; a %s supports only higher levels",
			supported.Name, supported.Level, e.Level))
	}
	if supported.DeleteTime != nil {
		return apierr.FailedPrecondition(field, supported.Name+" is deleted")
	}
	return nil
}

// checkParent applies the rules between an element and its parent: the
// level order, and a horizon inside the parent's.
func checkParent(child, parent *pb.Element) error {
	if err := checkParentLevel("element.parent", child, parent); err != nil {
		return err
	}
	return checkWithin("element.start_date", child, parent)
}

// checkThematicGoal applies the rules between a defining objective and the
// thematic goal it names: a live thematic goal whose horizon holds its own.
func checkThematicGoal(objective, goal *pb.Element) error {
	if goal.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		return apierr.InvalidArgument("element.thematic_goal", goal.Name+" is not a thematic goal")
	}
	if goal.DeleteTime != nil {
		return apierr.FailedPrecondition("element.thematic_goal", goal.Name+" is deleted")
	}
	return checkWithin("element.thematic_goal", objective, goal)
}

// checkOneThematicGoal fails when other, a live thematic goal of the same
// team whose horizon overlaps goal's (nil when there is none), exists: a
// team has one thematic goal at a time.
func checkOneThematicGoal(goal, other *pb.Element) error {
	if other == nil {
		return nil
	}
	return apierr.FailedPrecondition("element.owner_team", fmt.Sprintf(
		"%s already has the thematic goal %s from %s to %s; a team has one thematic goal at a time",
		goal.OwnerTeam, other.Name, dates.Format(other.StartDate), dates.Format(other.EndDate)))
}

// checkWithin fails unless inner's horizon lies inside outer's; subject
// names what would break.
func checkWithin(subject string, inner, outer *pb.Element) error {
	if dates.Format(inner.StartDate) < dates.Format(outer.StartDate) || dates.Format(inner.EndDate) > dates.Format(outer.EndDate) {
		return apierr.FailedPrecondition(subject, fmt.Sprintf("the horizon %s to %s must lie inside %s's, %s to %s",
			dates.Format(inner.StartDate), dates.Format(inner.EndDate), outer.Name, dates.Format(outer.StartDate), dates.Format(outer.EndDate)))
	}
	return nil
}

// horizonHolds reports whether the horizon start..end holds every horizon
// inside boundStart..boundEnd (dates as stored; boundEnd "" when there is
// none to hold): then no element whose horizon is bounded so falls outside
// it.
func horizonHolds(start, end, boundStart, boundEnd string) bool {
	return boundEnd == "" || start <= boundStart && boundEnd <= end
}

// The rules between an element and the elements that name it.

// dependants are the elements that depend on an element, as a change to
// it may leave them behind.
type dependants int

const (
	// namingDefiningObjectives are the live defining objectives that name
	// a thematic goal.
	namingDefiningObjectives dependants = iota
	// childrenOutside are the live children outside the new horizon.
	childrenOutside
	// definingObjectivesOutside are the live defining objectives of a
	// thematic goal outside its new horizon.
	definingObjectivesOutside
)

// dependantsToCheck lists, in order, the dependants there must be none of
// for a change from current to next: the defining objectives of a
// thematic goal that stops being one, and the children (and, of a thematic
// goal, the defining objectives) a new horizon leaves outside.
func dependantsToCheck(current, next *pb.Element) []dependants {
	var out []dependants
	wasGoal := current.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL
	if wasGoal && next.ObjectiveKind != pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL {
		out = append(out, namingDefiningObjectives)
	}
	if dates.Format(current.StartDate) != dates.Format(next.StartDate) || dates.Format(current.EndDate) != dates.Format(next.EndDate) {
		out = append(out, childrenOutside)
		if wasGoal {
			out = append(out, definingObjectivesOutside)
		}
	}
	return out
}

// checkNoDependant fails when d, the first of the dependants there must be
// none of (nil when there is none), exists.
func checkNoDependant(which dependants, d *pb.Element) error {
	if d == nil {
		return nil
	}
	if which == namingDefiningObjectives {
		return apierr.FailedPrecondition("element.objective_kind", "defining objectives such as "+d.Name+" name it as their thematic goal")
	}
	what := "child"
	if which == definingObjectivesOutside {
		what = "defining objective"
	}
	return apierr.FailedPrecondition("element.start_date", fmt.Sprintf("the %s %s (%s to %s) would fall outside the new horizon",
		what, d.Name, dates.Format(d.StartDate), dates.Format(d.EndDate)))
}

// checkDelete applies the rules of deleting e: no live defining objective
// may name it (definer, nil when none does), and it takes its live
// descendants (how many there are) with it only when force is set.
func checkDelete(e, definer *pb.Element, descendants int, force bool) error {
	if definer != nil {
		return apierr.FailedPrecondition(e.Name, "defining objectives such as "+definer.Name+" name it; delete them first")
	}
	if descendants > 0 && !force {
		return apierr.FailedPrecondition(e.Name, fmt.Sprintf("has %d live elements under it; set force to delete them with it", descendants))
	}
	return nil
}

// checkContributorPaths fails unless a contributor may change the fields
// in paths: the status and progress of elements their teams own (which
// teams own the element is asked separately).
func checkContributorPaths(paths []string) error {
	for _, path := range paths {
		if !slices.Contains(contributorFields, path) {
			return apierr.PermissionDenied(fmt.Sprintf("contributors may change only %v; %s needs a planner", contributorFields, path))
		}
	}
	return nil
}

// Delegated planning: leadership decides what, managers decide how. A
// caller below ROLE_PLANNER who leads a team (a ROLE_LEAD membership in its
// term) plans within the team's remit — the teams they lead and every team
// under them: strategies and tactics (the "how") owned by a team of the
// remit, under parents a team of the remit owns (a planner hands an
// objective to a team by making it the owner). Visions, missions and
// objectives (the "what") stay with planners.

// delegatedLevels are the levels team leads plan.
var delegatedLevels = []pb.Level{pb.Level_LEVEL_STRATEGY, pb.Level_LEVEL_TACTIC}

// inRemit reports whether r's level and owner team are a team lead's with
// remit: whether the lead, rather than the contributor's rules, decides on
// a change to r.
func inRemit(remit []string, r *elementRecord) bool {
	return slices.Contains(delegatedLevels, r.Msg.Level) && slices.Contains(remit, r.Msg.OwnerTeam)
}

// checkRemit fails unless a team lead with remit may hold r as it is (or
// was): a strategy or tactic, owned by a team of the remit, under a parent
// owned by one (parentOwner, the parent's owner team).
func checkRemit(remit []string, r *elementRecord, parentOwner string) error {
	switch {
	case len(remit) == 0:
		return apierr.PermissionDenied("planning " + r.Msg.Name + " needs ROLE_PLANNER, or leading a team (ROLE_LEAD) that owns it and its parent; you lead no team today")
	case !slices.Contains(delegatedLevels, r.Msg.Level):
		return apierr.PermissionDenied(fmt.Sprintf("team leads plan strategies and tactics; %s is a %s, which needs ROLE_PLANNER", r.Msg.Name, r.Msg.Level))
	case !slices.Contains(remit, r.Msg.OwnerTeam):
		return apierr.PermissionDenied(fmt.Sprintf("team leads plan for the teams they lead and those under them; %s is owned by %s, which is not one", r.Msg.Name, r.Msg.OwnerTeam))
	case !slices.Contains(remit, parentOwner):
		return apierr.PermissionDenied(fmt.Sprintf("team leads plan under elements their teams own; the parent of %s is owned by %s, which is not one", r.Msg.Name, parentOwner))
	}
	return nil
}

// link is one link up the thread from an element: the element above (its
// organisation and id) and the link's kind.
type link struct {
	orgID, id string
	kind      pb.LinkKind
}

// linksUp are r's links up the thread, in order: its parent, its thematic
// goal (a defining objective's) and the elements it supports, which may be
// of other organisations.
func linksUp(r *elementRecord) []link {
	var out []link
	if r.parentID != "" {
		out = append(out, link{r.orgID, r.parentID, pb.LinkKind_LINK_KIND_PARENT})
	}
	if r.thematicGoal != "" {
		out = append(out, link{r.orgID, r.thematicGoal, pb.LinkKind_LINK_KIND_THEMATIC_GOAL})
	}
	for _, s := range r.Msg.Supports {
		if ids, err := elementType.Parse("element.supports", s); err == nil {
			out = append(out, link{ids[0], ids[1], pb.LinkKind_LINK_KIND_SUPPORTS})
		}
	}
	return out
}

// checkSupported fails unless every organisation in others, whose
// elements an element of org supports, owns org (is in owners, its
// organisation's owners' names): an element may serve only the plans of
// the organisations it belongs to.
func checkSupported(org string, others, owners []string) error {
	for _, o := range others {
		if !slices.Contains(owners, "organisations/"+o) {
			return apierr.FailedPrecondition("element.supports", fmt.Sprintf(
				"organisations/%s does not own organisations/%s and accepted no link request for this element: ask a planner there (CreateLinkRequest)", o, org))
		}
	}
	return nil
}

// The roll-up rule (documented on Element.health and Element.progress).

// severity orders health for worst-of: UNKNOWN counts only when nothing is
// known.
func severity(h pb.Health) int {
	switch h {
	case pb.Health_HEALTH_OFF_TRACK:
		return 3
	case pb.Health_HEALTH_AT_RISK:
		return 2
	case pb.Health_HEALTH_ON_TRACK:
		return 1
	}
	return 0
}

func worst(a, b pb.Health) pb.Health {
	if severity(b) > severity(a) {
		return b
	}
	if a == pb.Health_HEALTH_UNSPECIFIED {
		return pb.Health_HEALTH_UNKNOWN
	}
	return a
}

// kpiHealth maps a KPI status to health.
func kpiHealth(s kpipb.KpiStatus) pb.Health {
	switch s {
	case kpipb.KpiStatus_KPI_STATUS_RED:
		return pb.Health_HEALTH_OFF_TRACK
	case kpipb.KpiStatus_KPI_STATUS_AMBER, kpipb.KpiStatus_KPI_STATUS_OVERDUE:
		return pb.Health_HEALTH_AT_RISK
	case kpipb.KpiStatus_KPI_STATUS_GREEN:
		return pb.Health_HEALTH_ON_TRACK
	}
	return pb.Health_HEALTH_UNKNOWN
}

// inputs is what an element's roll-up reads of the live, not dropped
// elements below it: its children and defining objectives (a thematic
// goal's), which give it health and progress, and the elements that
// support it, which give it health only (their progress is their own
// parent's).
type inputs struct {
	// count and progressSum are the children's and defining objectives'.
	count, progressSum int64
	// worst is the worst health of every input; worstOnes up to
	// maxDrivers of the inputs that have it.
	worst     pb.Health
	worstOnes []*pb.HealthDriver
}

// share is what an element adds to the roll-ups of its parent and its
// thematic goal: one input and its progress, while it counts (live and not
// dropped); and, whether it counts or not, its horizon (start and end
// dates, as stored), which the bound of their inputs' horizons holds.
type share struct {
	parentID, goalID string
	progress         int32
	counts           bool
	start, end       string
}

// above reports whether the share goes anywhere: an element with a parent
// or a thematic goal.
func (s share) above() bool { return s.parentID != "" || s.goalID != "" }

// counts reports whether r is an input of the roll-ups above it.
func counts(r *elementRecord) bool {
	return r.Msg.DeleteTime == nil && r.Msg.Status != pb.Status_STATUS_DROPPED
}

func shareOf(r *elementRecord) share {
	return share{r.parentID, r.thematicGoal, r.Msg.Progress, counts(r), dates.Format(r.Msg.StartDate), dates.Format(r.Msg.EndDate)}
}

// supporterHealth is the health r gives the elements it supports: none
// while it does not count.
func supporterHealth(r *elementRecord) int32 {
	if !counts(r) {
		return 0
	}
	return int32(r.Msg.Health)
}

// maxDrivers bounds the health drivers an element names.
const maxDrivers = 5

// drivers are the inputs whose health is health, the element's, by name,
// each once: none when health is UNKNOWN or no input is as bad as it is.
func drivers(health pb.Health, in inputs) []*pb.HealthDriver {
	if severity(health) == 0 || in.worst != health {
		return nil
	}
	out := slices.Clone(in.worstOnes)
	slices.SortFunc(out, func(a, b *pb.HealthDriver) int { return strings.Compare(a.Element, b.Element) })
	out = slices.CompactFunc(out, func(a, b *pb.HealthDriver) bool { return a.Element == b.Element })
	return out[:min(len(out), maxDrivers)]
}

// rollup computes an element's health and progress from its own KPIs'
// health, its manual progress (tactics) and its inputs.
func rollup(level pb.Level, status pb.Status, manualProgress int32, own pb.Health, in inputs) (pb.Health, int32) {
	health := worst(worst(pb.Health_HEALTH_UNKNOWN, own), in.worst)
	switch {
	case level == pb.Level_LEVEL_TACTIC:
		return health, manualProgress
	case in.count > 0:
		return health, int32((in.progressSum + in.count/2) / in.count)
	case status == pb.Status_STATUS_DONE:
		return health, 100
	}
	return health, 0
}

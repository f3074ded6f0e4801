package planning

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// elementUpdatable lists the fields UpdateElement may change; the level is
// fixed so that a parent is always exactly one level up and the thread can
// never loop.
var (
	elementUpdatable = []string{"objective_kind", "title", "description", "owner_team", "start_date", "end_date",
		"status", "priority_rank", "progress", "parent", "supports", "thematic_goal"}
	elementComputed = []string{"level", "health", "kpi_health", "owner_team_deleted"}
	// contributorFields are what a contributor may change, on elements their
	// teams own.
	contributorFields = []string{"status", "progress"}
)

func orgName(orgID string) string { return "organisations/" + orgID }

func elementName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "elements"}, orgID, id)
}

func teamName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "teams"}, orgID, id)
}

func parseOrgName(field, name string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations")
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], nil
}

func parseElementName(field, name string) (orgID, id string, err error) {
	ids, err := resourcename.Parse(name, "organisations", "elements")
	if err != nil {
		return "", "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], ids[1], nil
}

// sameOrgID returns the id in a reference to another resource of the
// organisation orgID (an element or a team), or INVALID_ARGUMENT naming
// field; "" stays "".
func sameOrgID(field, collection, orgID, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	ids, err := resourcename.Parse(name, "organisations", collection)
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	if ids[0] != orgID {
		return "", apierr.InvalidArgument(field, "must belong to "+orgName(orgID))
	}
	return ids[1], nil
}

// checkShape applies the rules an element obeys on its own: what its level
// asks of parent, kind, thematic goal and progress, and a horizon that
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
	case e.Level == pb.Level_LEVEL_OBJECTIVE && e.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_UNSPECIFIED:
		return apierr.InvalidArgument("element.objective_kind", "is required for objectives: OBJECTIVE_KIND_THEMATIC_GOAL, OBJECTIVE_KIND_DEFINING_OBJECTIVE or OBJECTIVE_KIND_STANDARD_OPERATING")
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
		if err := checkDate(d.field, d.date); err != nil {
			return err
		}
	}
	if formatDate(e.StartDate) > formatDate(e.EndDate) {
		return apierr.InvalidArgument("element.end_date", "must not be before start_date")
	}
	return nil
}

// levelAbove names the level a parent must have.
func levelAbove(l pb.Level) pb.Level { return l - 1 }

// checkParentLevel applies the level order to a parent or supported element.
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

// checkWithin fails unless inner's horizon lies inside outer's; subject
// names what would break.
func checkWithin(subject string, inner, outer *pb.Element) error {
	if formatDate(inner.StartDate) < formatDate(outer.StartDate) || formatDate(inner.EndDate) > formatDate(outer.EndDate) {
		return apierr.FailedPrecondition(subject, fmt.Sprintf("the horizon %s to %s must lie inside %s's, %s to %s",
			formatDate(inner.StartDate), formatDate(inner.EndDate), outer.Name, formatDate(outer.StartDate), formatDate(outer.EndDate)))
	}
	return nil
}

// applyElementMask returns current with the fields in paths taken from
// change.
func applyElementMask(current, change *pb.Element, paths []string) *pb.Element {
	next := proto.CloneOf(current)
	for _, p := range paths {
		switch p {
		case "objective_kind":
			next.ObjectiveKind = change.ObjectiveKind
		case "title":
			next.Title = change.Title
		case "description":
			next.Description = change.Description
		case "owner_team":
			next.OwnerTeam = change.OwnerTeam
		case "start_date":
			next.StartDate = change.StartDate
		case "end_date":
			next.EndDate = change.EndDate
		case "status":
			next.Status = change.Status
		case "priority_rank":
			next.PriorityRank = change.PriorityRank
		case "progress":
			next.Progress = change.Progress
		case "parent":
			next.Parent = change.Parent
		case "supports":
			next.Supports = slices.Clone(change.Supports)
		case "thematic_goal":
			next.ThematicGoal = change.ThematicGoal
		}
	}
	return next
}

// checkDate fails unless d is a full calendar date.
func checkDate(field string, d *date.Date) error {
	t := time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
	if d.GetYear() < 1 || d.GetYear() > 9999 || t.Year() != int(d.GetYear()) || t.Month() != time.Month(d.GetMonth()) || t.Day() != int(d.GetDay()) {
		return apierr.InvalidArgument(field, fmt.Sprintf("%04d-%02d-%02d is not a calendar date", d.GetYear(), d.GetMonth(), d.GetDay()))
	}
	return nil
}

// formatDate is a date's storage and comparison form, YYYY-MM-DD.
func formatDate(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

func parseDate(s string) *date.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &date.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// openStatus reports statuses of work not finished: the ones an ended
// horizon makes suspect.
func openStatus(s pb.Status) bool {
	return s == pb.Status_STATUS_PROPOSED || s == pb.Status_STATUS_ACTIVE || s == pb.Status_STATUS_ON_HOLD
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

// child is what a parent's roll-up reads of a child.
type child struct {
	health   pb.Health
	progress int32
	status   pb.Status
}

// rollup computes an element's health and progress from its own KPIs'
// health, its manual progress (tactics) and its live children.
func rollup(level pb.Level, status pb.Status, manualProgress int32, own pb.Health, children []child) (pb.Health, int32) {
	health := worst(pb.Health_HEALTH_UNKNOWN, own)
	var sum, n int32
	for _, c := range children {
		if c.status == pb.Status_STATUS_DROPPED {
			continue
		}
		health = worst(health, c.health)
		sum += c.progress
		n++
	}
	switch {
	case level == pb.Level_LEVEL_TACTIC:
		return health, manualProgress
	case n > 0:
		return health, (sum + n/2) / n
	case status == pb.Status_STATUS_DONE:
		return health, 100
	}
	return health, 0
}

// parseRef returns the id in organisations/{o}/{collection}/{id}.
func parseRef(name, collection string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations", collection)
	if err != nil {
		return "", err
	}
	return ids[1], nil
}

package planning

import (
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// plannerRole is the least role that changes the plan freely.
const plannerRole = orgpb.Role_ROLE_PLANNER

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

// parseRef returns the id in organisations/{o}/{collection}/{id}.
func parseRef(name, collection string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations", collection)
	if err != nil {
		return "", err
	}
	return ids[1], nil
}

package teams

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// memberUpdatable lists the fields UpdateMember may change; the person of a
// membership is fixed (end it and add another instead).
var (
	memberUpdatable = []string{"role", "start_date", "end_date"}
	memberFixed     = []string{"person"}
)

// allTeams is the team id that, in a List parent, stands for every team of
// the organisation (AIP-159).
const allTeams = "-"

func memberName(orgID, teamID, id string) string {
	return resourcename.Format([]string{"organisations", "teams", "members"}, orgID, teamID, id)
}

func personName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "people"}, orgID, id)
}

// parseMemberName returns the ids in a membership's name, or
// INVALID_ARGUMENT naming field.
func parseMemberName(field, name string) (orgID, teamID, id string, err error) {
	ids, err := resourcename.Parse(name, "organisations", "teams", "members")
	if err != nil {
		return "", "", "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], ids[1], ids[2], nil
}

// parseMembersParent reads a ListMembers parent: a team, or teams/- for all
// of the organisation's teams (teamID allTeams).
func parseMembersParent(field, name string) (orgID, teamID string, err error) {
	if org, ok := strings.CutSuffix(name, "/teams/"+allTeams); ok {
		orgID, err := parseOrgName(field, org)
		return orgID, allTeams, err
	}
	return parseTeamName(field, name)
}

// personID returns the id of a membership's person, who must belong to the
// team's organisation.
func personID(orgID, person string) (string, error) {
	ids, err := resourcename.Parse(person, "organisations", "people")
	if err != nil {
		return "", apierr.InvalidArgument("member.person", err.Error())
	}
	if ids[0] != orgID {
		return "", apierr.InvalidArgument("member.person", "must be a person of "+orgName(orgID))
	}
	return ids[1], nil
}

// parsePersonFilter checks a person filter value.
func parsePersonFilter(v string) (any, error) {
	if _, err := resourcename.Parse(v, "organisations", "people"); err != nil {
		return nil, fmt.Errorf("want organisations/{organisation}/people/{person}")
	}
	return v, nil
}

// formatDate is a checked date's storage form, YYYY-MM-DD.
func formatDate(d *date.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.GetYear(), d.GetMonth(), d.GetDay())
}

// nullDate stores an optional date: nil is NULL.
func nullDate(d *date.Date) any {
	if d == nil {
		return nil
	}
	return formatDate(d)
}

// parseDate turns a stored date back into a google.type.Date.
func parseDate(s string) *date.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &date.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

// today is the date in UTC, the calendar memberships' terms are kept in.
func today() *date.Date { return parseDate(time.Now().UTC().Format(time.DateOnly)) }

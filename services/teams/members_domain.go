package teams

import (
	"fmt"
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/resource"
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
	ids, err := resource.ParseName(field, name, "organisations", "teams", "members")
	if err != nil {
		return "", "", "", err
	}
	return ids[0], ids[1], ids[2], nil
}

// parseMembersParent reads a ListMembers parent: a team, or teams/- for all
// of the organisation's teams (teamID allTeams).
func parseMembersParent(field, name string) (orgID, teamID string, err error) {
	if org, ok := strings.CutSuffix(name, "/teams/"+allTeams); ok {
		orgID, err := resource.ParseOrganisation(field, org)
		return orgID, allTeams, err
	}
	return parseTeamName(field, name)
}

// parsePersonFilter checks a person filter value.
func parsePersonFilter(v string) (any, error) {
	if _, err := resourcename.Parse(v, "organisations", "people"); err != nil {
		return nil, fmt.Errorf("want organisations/{organisation}/people/{person}")
	}
	return v, nil
}

package teams

import (
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// memberType is the membership as the resource engine finds and stores
// it. UpdateMember may change the fields of Updatable; the person of a
// membership is fixed (end it and add another instead).
var memberType = resource.Type[*memberRecord]{
	Table: membersTable,
}

// allTeams is the team id that, in a List parent, stands for every team of
// the organisation (AIP-159).
const allTeams = "-"

func memberName(orgID, teamID, id string) string {
	return resource.NameOf[*pb.Member](orgID, teamID, id)
}

func personName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "people"}, orgID, id)
}

// parseMembersParent reads a ListMembers parent: a team, or teams/- for all
// of the organisation's teams (teamID allTeams).
func parseMembersParent(field, name string) (orgID, teamID string, err error) {
	if org, ok := strings.CutSuffix(name, "/teams/"+allTeams); ok {
		orgID, err := resource.ParseOrganisation(field, org)
		return orgID, allTeams, err
	}
	ids, err := teamType.Parse(field, name)
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

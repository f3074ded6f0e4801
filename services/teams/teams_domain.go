package teams

import (
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// teamType is the team as the resource engine finds and stores it.
// UpdateTeam may change the fields of Updatable, which CreateTeam takes
// from its request.
var teamType = resource.Type[*teamRecord]{
	Table: teamsTable,
	List:  teamListSchema,
}

func orgName(orgID string) string { return resourcename.Format([]string{"organisations"}, orgID) }

func teamName(orgID, id string) string { return resource.NameOf[*pb.Team](orgID, id) }

// parentID returns the id of a team's parent_team, which must be in the
// team's organisation ("" for a top-level team).
func parentID(orgID, parentTeam string) (string, error) {
	if parentTeam == "" {
		return "", nil
	}
	return resource.InOrganisation("team.parent_team", "teams", orgID, parentTeam)
}

// buildTree nests a subtree's records (the root first, then by depth) under
// their parents.
func buildTree(recs []*teamRecord) *pb.TeamTree {
	nodes := make(map[string]*pb.TeamTree, len(recs))
	for _, r := range recs {
		nodes[r.id] = &pb.TeamTree{Team: r.Msg}
	}
	for _, r := range recs[1:] {
		if parent := nodes[r.parentID]; parent != nil {
			parent.Children = append(parent.Children, nodes[r.id])
		}
	}
	return nodes[recs[0].id]
}

package teams

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// MaxDepth is how many levels deep teams may nest: a top-level team is at
// depth 1, its children at 2, and so on. Ten levels covers national,
// regional, provincial and local tiers with room to spare while keeping
// tree queries bounded.
const MaxDepth = 10

// teamUpdatable lists the fields UpdateTeam may change.
var teamUpdatable = []string{"display_name", "purpose", "terms_of_reference", "kind", "parent_team"}

func orgName(orgID string) string { return resourcename.Format([]string{"organisations"}, orgID) }

func teamName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "teams"}, orgID, id)
}

// parseOrgName returns the organisation id in name, or INVALID_ARGUMENT
// naming field.
func parseOrgName(field, name string) (string, error) {
	ids, err := resourcename.Parse(name, "organisations")
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], nil
}

// parseTeamName returns the organisation and team ids in name, or
// INVALID_ARGUMENT naming field.
func parseTeamName(field, name string) (orgID, id string, err error) {
	ids, err := resourcename.Parse(name, "organisations", "teams")
	if err != nil {
		return "", "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], ids[1], nil
}

// parseOptionalTeamName checks a parent_team filter value: a team name, or
// "" for top-level teams.
func parseOptionalTeamName(v string) (any, error) {
	if v == "" {
		return "", nil
	}
	if _, err := resourcename.Parse(v, "organisations", "teams"); err != nil {
		return nil, errors.New("want organisations/{organisation}/teams/{team} or \"\"")
	}
	return v, nil
}

// parentID returns the id of a team's parent_team, which must be in the
// team's organisation ("" for a top-level team).
func parentID(orgID, parentTeam string) (string, error) {
	if parentTeam == "" {
		return "", nil
	}
	pOrg, pID, err := parseTeamName("team.parent_team", parentTeam)
	if err != nil {
		return "", err
	}
	if pOrg != orgID {
		return "", apierr.InvalidArgument("team.parent_team", "must be a team of "+orgName(orgID))
	}
	return pID, nil
}

// checkPlacement applies the tree rules to putting a team whose subtree is
// height levels tall (1 for a team without children) under parent, whose
// ancestors are given nearest first. selfID is "" for a new team.
func checkPlacement(selfID string, parent *teamRecord, parentAncestors []*teamRecord, height int) error {
	if parent.team.DeleteTime != nil {
		return apierr.FailedPrecondition("team.parent_team", parent.team.Name+" is deleted")
	}
	if selfID != "" && (parent.id == selfID || slices.ContainsFunc(parentAncestors, func(a *teamRecord) bool { return a.id == selfID })) {
		return apierr.FailedPrecondition("team.parent_team",
			fmt.Sprintf("%s is %s or one of its descendants; a team cannot be its own ancestor", parent.team.Name, teamName(parent.orgID, selfID)))
	}
	if depth := len(parentAncestors) + 1 + height; depth > MaxDepth {
		return apierr.FailedPrecondition("team.parent_team",
			fmt.Sprintf("teams may nest at most %d levels; this would make %d", MaxDepth, depth))
	}
	return nil
}

// applyTeamMask returns current with the fields in paths taken from change.
func applyTeamMask(current, change *pb.Team, paths []string) *pb.Team {
	next := proto.CloneOf(current)
	for _, p := range paths {
		switch p {
		case "display_name":
			next.DisplayName = change.DisplayName
		case "purpose":
			next.Purpose = change.Purpose
		case "terms_of_reference":
			next.TermsOfReference = change.TermsOfReference
		case "kind":
			next.Kind = change.Kind
		case "parent_team":
			next.ParentTeam = change.ParentTeam
		}
	}
	return next
}

// teamChanged reports whether an update would alter any stored field.
func teamChanged(a, b *pb.Team) bool {
	return a.DisplayName != b.DisplayName || a.Purpose != b.Purpose || a.TermsOfReference != b.TermsOfReference ||
		a.Kind != b.Kind || a.ParentTeam != b.ParentTeam
}

// buildTree nests a subtree's records (the root first, then by depth) under
// their parents.
func buildTree(recs []*teamRecord) *pb.TeamTree {
	nodes := make(map[string]*pb.TeamTree, len(recs))
	for _, r := range recs {
		nodes[r.id] = &pb.TeamTree{Team: r.team}
	}
	for _, r := range recs[1:] {
		if parent := nodes[r.parentID]; parent != nil {
			parent.Children = append(parent.Children, nodes[r.id])
		}
	}
	return nodes[recs[0].id]
}

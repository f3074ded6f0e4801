package teams

import (
	"fmt"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// The rules of a team's place in its organisation's tree, as pure
// functions of what the handlers' hooks read under the tree lock, so that
// each is testable without a database (teams_rules_test.go).

// MaxDepth is how many levels deep teams may nest: a top-level team is at
// depth 1, its children at 2, and so on. Ten levels covers national,
// regional, provincial and local tiers with room to spare while keeping
// tree queries bounded.
const MaxDepth = 10

// checkPlacement applies the tree rules to putting a team whose subtree is
// height levels tall (1 for a team without children) under parent, whose
// ancestors are given nearest first: the parent is live, the team does not
// become its own ancestor, and the tree stays at most MaxDepth levels deep.
// selfID is "" for a new team, which no team descends from yet.
func checkPlacement(selfID string, parent *teamRecord, parentAncestors []*teamRecord, height int) error {
	if parent.Msg.DeleteTime != nil {
		return apierr.FailedPrecondition("team.parent_team", parent.Msg.Name+" is deleted")
	}
	if selfID != "" && (parent.id == selfID || slices.ContainsFunc(parentAncestors, func(a *teamRecord) bool { return a.id == selfID })) {
		return apierr.FailedPrecondition("team.parent_team",
			fmt.Sprintf("%s is %s or one of its descendants; a team cannot be its own ancestor", parent.Msg.Name, teamName(parent.orgID, selfID)))
	}
	if depth := len(parentAncestors) + 1 + height; depth > MaxDepth {
		return apierr.FailedPrecondition("team.parent_team",
			fmt.Sprintf("teams may nest at most %d levels; this would make %d", MaxDepth, depth))
	}
	return nil
}

// subtreeHeight is how many levels a team's live subtree spans, given the
// depth below the team of each of its members (0 for the team itself): 1
// for a team without children.
func subtreeHeight(depths []int) int {
	if len(depths) == 0 {
		return 1
	}
	return slices.Max(depths) + 1
}

// checkDelete lets a team be deleted only when it has no live child teams,
// which would otherwise hang from a deleted one.
func checkDelete(t *pb.Team, liveChildren int) error {
	if liveChildren > 0 {
		return apierr.FailedPrecondition(t.Name, "has live child teams; delete or move them first")
	}
	return nil
}

// checkUndelete lets a team be restored only under a live parent team;
// parent is nil for a top-level team.
func checkUndelete(t, parent *pb.Team) error {
	if parent != nil && parent.DeleteTime != nil {
		return apierr.FailedPrecondition(t.Name, "its parent team "+parent.Name+" is deleted; undelete that first")
	}
	return nil
}

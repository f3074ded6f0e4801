package teams

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// team is a live team of organisation o for the rule tables.
func team(id string) *teamRecord {
	return &teamRecord{Stored: resource.Hold(&pb.Team{Name: teamName("o", id)}), orgID: "o", id: id}
}

func deleted(r *teamRecord) *teamRecord {
	r.Msg.DeleteTime = timestamppb.Now()
	return r
}

// chain is n live ancestors, nearest first: a1 (the parent's parent), a2, ...
func chain(n int) []*teamRecord {
	out := make([]*teamRecord, n)
	for i := range out {
		out[i] = team(fmt.Sprintf("a%d", i+1))
	}
	return out
}

// TestPlacementTable walks the tree rules of putting a team under a
// parent: a live parent, no cycle, at most MaxDepth levels.
func TestPlacementTable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		self      string
		parent    *teamRecord
		ancestors []*teamRecord
		height    int
		code      codes.Code // codes.OK: allowed
	}{
		{"new team under a top-level team", "", team("p"), nil, 1, codes.OK},
		{"new team under a deleted team", "", deleted(team("p")), nil, 1, codes.FailedPrecondition},
		{"move under a sibling", "s", team("p"), chain(1), 1, codes.OK},
		{"under itself", "s", team("s"), nil, 1, codes.FailedPrecondition},
		{"under its child", "a1", team("p"), chain(1), 2, codes.FailedPrecondition},
		{"under a deeper descendant", "a2", team("p"), chain(3), 3, codes.FailedPrecondition},
		{"new team at depth MaxDepth", "", team("p"), chain(MaxDepth - 2), 1, codes.OK},
		{"new team at depth MaxDepth+1", "", team("p"), chain(MaxDepth - 1), 1, codes.FailedPrecondition},
		{"two-level subtree to depth MaxDepth", "s", team("p"), chain(MaxDepth - 3), 2, codes.OK},
		{"two-level subtree to depth MaxDepth+1", "s", team("p"), chain(MaxDepth - 2), 2, codes.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPlacement(tc.self, tc.parent, tc.ancestors, tc.height)
			if tc.code == codes.OK {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			apitest.WantCode(t, err, tc.code, "team.parent_team")
		})
	}
}

func TestSubtreeHeight(t *testing.T) {
	for _, tc := range []struct {
		depths []int
		want   int
	}{
		{nil, 1},
		{[]int{0}, 1},
		{[]int{0, 1, 1}, 2},
		{[]int{0, 1, 2, 1}, 3},
	} {
		if got := subtreeHeight(tc.depths); got != tc.want {
			t.Errorf("subtreeHeight(%v) = %d, want %d", tc.depths, got, tc.want)
		}
	}
}

// TestDeleteUndeleteTable: no live children on delete, a live parent on
// undelete.
func TestDeleteUndeleteTable(t *testing.T) {
	self := team("s").Msg
	for _, tc := range []struct {
		name string
		err  error
		code codes.Code
	}{
		{"delete a leaf", checkDelete(self, 0), codes.OK},
		{"delete with a live child", checkDelete(self, 1), codes.FailedPrecondition},
		{"undelete a top-level team", checkUndelete(self, nil), codes.OK},
		{"undelete under a live parent", checkUndelete(self, team("p").Msg), codes.OK},
		{"undelete under a deleted parent", checkUndelete(self, deleted(team("p")).Msg), codes.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == codes.OK {
				if tc.err != nil {
					t.Fatalf("refused: %v", tc.err)
				}
				return
			}
			apitest.WantCode(t, tc.err, tc.code, self.Name)
		})
	}
}

func TestParentID(t *testing.T) {
	for _, tc := range []struct {
		parent string
		want   string
		code   codes.Code
	}{
		{"", "", codes.OK},
		{"organisations/o/teams/p", "p", codes.OK},
		{"organisations/other/teams/p", "", codes.InvalidArgument},
		{"teams/p", "", codes.InvalidArgument},
	} {
		got, err := parentID("o", tc.parent)
		if tc.code != codes.OK {
			apitest.WantCode(t, err, tc.code, "team.parent_team")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parentID(%q) = %q, %v; want %q", tc.parent, got, err, tc.want)
		}
	}
}

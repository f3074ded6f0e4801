package planning

import (
	"context"
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Comments are on elements, check-ins and KPIs: {parent}/comments/{comment}.
// Each kind of parent is a type of its own to the resource engine (its
// names have their own collections); they share one table, keyed by the
// parent's name.
var (
	elementCommentType = commentTypeOn("organisations", "elements")
	checkInCommentType = commentTypeOn("organisations", "elements", "checkIns")
	kpiCommentType     = commentTypeOn("organisations", "kpis")
)

// commentTypeOn is the comment on a parent with collections parent: its
// author changes its text, or deletes it.
func commentTypeOn(parent ...string) resource.Type[*commentRecord] {
	return resource.Type[*commentRecord]{
		Collections: append(append([]string{}, parent...), "comments"),
		Table:       commentsTable,
		List:        commentListSchema,
		Get: func(ctx context.Context, q sqldb.Querier, ids ...string) (*commentRecord, error) {
			last := len(ids) - 1
			return commentsTable.Get(ctx, q, ids[0], resourcename.Format(parent, ids[:last]...), ids[last])
		},
	}
}

// commentParent is the name of what the comment called name is on.
func commentParent(name string) string {
	parent, _, _ := strings.Cut(name, "/comments/")
	return parent
}

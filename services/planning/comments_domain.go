package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// commentCollections are those of a comment's name:
// organisations/{organisation}/elements/{element}/comments/{comment}.
var commentCollections = []string{"organisations", "elements", "comments"}

// commentType is the comment as the resource engine finds and stores it:
// its author changes its text, or deletes it.
var commentType = resource.Type[*commentRecord]{
	Collections: commentCollections,
	Table:       commentsTable,
	List:        commentListSchema,
	Updatable:   []string{"text"},
	OutputOnly:  []string{"mentions", "author", "edits"},
}

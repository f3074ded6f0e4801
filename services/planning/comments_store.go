package planning

import (
	"context"
	"encoding/json"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// commentRecord is a comment as stored: the API resource, its
// organisation, the name of what it is on and its id, who wrote it (the
// actor who may change it) and its revision.
type commentRecord struct {
	resource.Stored[*pb.Comment]
	orgID, parent, id string
	createActor       string
}

// storedEdit is an edit as the edits column keeps it.
type storedEdit struct {
	Text string `json:"t"`
	Time int64  `json:"at"`
}

var commentsTable = resource.Table[*commentRecord]{
	Name: "comments",
	Columns: "organisation_id, parent, id, text, mentions, edits, author, create_actor, " +
		"create_time, update_time, delete_time, revision, update_actor",
	Key:  3,
	Scan: scanComment,
	Values: func(r *commentRecord) ([]any, error) {
		c := r.Msg
		edits := make([]storedEdit, len(c.Edits))
		for i, e := range c.Edits {
			edits[i] = storedEdit{e.Text, resource.Micros(e.EditTime)}
		}
		m, _ := json.Marshal(append([]string{}, c.Mentions...)) // strings always marshal
		e, _ := json.Marshal(edits)
		return []any{r.orgID, r.parent, r.id, c.Text, string(m), string(e), c.Author, r.createActor,
			resource.Micros(c.CreateTime), resource.Micros(c.UpdateTime), resource.NullMicros(c.DeleteTime), r.Rev, c.UpdateActor}, nil
	},
}

// commentListSchema: comments read oldest first, as a conversation does.
var commentListSchema = resource.Schema[*commentRecord, *pb.Comment]("create_time", []listing.Field[*commentRecord]{})

func scanComment(s resource.Scanner) (*commentRecord, error) {
	r := &commentRecord{Stored: resource.Hold(&pb.Comment{})}
	var mentions, edits string
	var stamps resource.Stamps
	err := s.Scan(&r.orgID, &r.parent, &r.id, &r.Msg.Text, &mentions, &edits, &r.Msg.Author, &r.createActor,
		&stamps.Create, &stamps.Update, &stamps.Delete, &r.Rev, &r.Msg.UpdateActor)
	if err != nil {
		return nil, err
	}
	r.Msg.Name = r.parent + "/comments/" + r.id
	r.Msg.CreateTime, r.Msg.UpdateTime, r.Msg.DeleteTime = stamps.Times()
	r.Msg.Etag = resource.Etag(r.Rev)
	var stored []storedEdit
	if err := json.Unmarshal([]byte(mentions), &r.Msg.Mentions); err != nil {
		return nil, fmt.Errorf("comment %s mentions: %w", r.Msg.Name, err)
	}
	if err := json.Unmarshal([]byte(edits), &stored); err != nil {
		return nil, fmt.Errorf("comment %s edits: %w", r.Msg.Name, err)
	}
	for _, e := range stored {
		r.Msg.Edits = append(r.Msg.Edits, &pb.CommentEdit{Text: e.Text, EditTime: resource.Time(e.Time)})
	}
	return r, nil
}

// listComments pages through the comments on parent, of orgID.
func listComments(ctx context.Context, q sqldb.Querier, orgID, parent string, plan *listing.Plan[*commentRecord], showDeleted bool) ([]*commentRecord, error) {
	return commentsTable.Page(ctx, q, plan, showDeleted, "organisation_id = ? AND parent = ?", orgID, parent)
}

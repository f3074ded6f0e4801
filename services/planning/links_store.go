package planning

import (
	"context"
	"database/sql"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// linkRecord is a link request as stored: the API resource, the ids its
// names hold, and its revision.
type linkRecord struct {
	resource.Stored[*pb.LinkRequest]
	orgID, id               string // the organisation asked, and the request's id
	elementOrgID, elementID string
	targetID                string
}

var linksTable = resource.Table[*linkRecord]{
	Name: "link_requests",
	Columns: "organisation_id, id, element_organisation_id, element_id, target_id, message, element_title, state, " +
		"create_time, update_time, decide_time, revision, create_actor, update_actor",
	Key:  2,
	Scan: scanLink,
	Values: func(r *linkRecord) ([]any, error) {
		l := r.Msg
		return []any{r.orgID, r.id, r.elementOrgID, r.elementID, r.targetID, l.Message, l.ElementTitle, int32(l.State),
			resource.Micros(l.CreateTime), resource.Micros(l.UpdateTime), resource.NullMicros(l.DecideTime), r.Rev,
			l.CreateActor, l.UpdateActor}, nil
	},
}

// linkListSchema says what ListLinkRequests may filter on; newest first.
var linkListSchema = resource.Schema[*linkRecord, *pb.LinkRequest]("create_time desc", []listing.Field[*linkRecord]{
	{Name: "state", Column: "state", Kind: listing.Enum, Enum: pb.LinkRequest_State_value, Filter: true},
	resource.NameField[*linkRecord]("target", "elements", "target_id", "element", false),
})

func scanLink(s resource.Scanner) (*linkRecord, error) {
	r := &linkRecord{Stored: resource.Hold(&pb.LinkRequest{})}
	var state int32
	var stamps resource.Stamps
	var decided sql.NullInt64
	err := s.Scan(&r.orgID, &r.id, &r.elementOrgID, &r.elementID, &r.targetID, &r.Msg.Message, &r.Msg.ElementTitle, &state,
		&stamps.Create, &stamps.Update, &decided, &r.Rev, &r.Msg.CreateActor, &r.Msg.UpdateActor)
	if err != nil {
		return nil, err
	}
	l := r.Msg
	l.Name = resource.NameOf[*pb.LinkRequest](r.orgID, r.id)
	l.Element, l.Target = elementName(r.elementOrgID, r.elementID), elementName(r.orgID, r.targetID)
	l.State = pb.LinkRequest_State(state)
	l.CreateTime, l.UpdateTime, _ = stamps.Times()
	l.DecideTime = resource.NullTime(decided)
	l.Etag = resource.Etag(r.Rev)
	return r, nil
}

// openLink returns the pending or accepted request for the pair r asks
// about, other than r, or nil: there is one at most.
func openLink(ctx context.Context, q sqldb.Querier, r *linkRecord) (*linkRecord, error) {
	found, err := linksTable.All(ctx, q, `organisation_id = ? AND target_id = ? AND element_organisation_id = ? AND element_id = ?
		AND id <> ? AND state IN (?, ?) LIMIT 1`, r.orgID, r.targetID, r.elementOrgID, r.elementID, r.id,
		int32(pb.LinkRequest_STATE_PENDING), int32(pb.LinkRequest_STATE_ACCEPTED))
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[0], nil
}

// accepted reports whether the organisation of target accepted a link
// request from element (each the ids of an element's name).
func accepted(ctx context.Context, q sqldb.Querier, e, t []string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM link_requests WHERE organisation_id = ? AND target_id = ?
		AND element_organisation_id = ? AND element_id = ? AND state = ?`, t[0], t[1], e[0], e[1], int32(pb.LinkRequest_STATE_ACCEPTED)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read link requests: %w", err)
	}
	return n > 0, nil
}

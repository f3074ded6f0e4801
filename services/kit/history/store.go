package history

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// stored is one revision's row, with the snapshot of the revision of the
// same resource before it (prior, with no data for its first kept one).
type stored struct {
	key
	fields     string
	action     int32
	now, prior snapshot
}

// key orders revisions newest first, the same in every service and in
// their merge: by time, then resource type, then id (unique within the
// service that owns the type).
type key struct {
	at  int64
	typ string
	id  int64
}

// selectStored selects a stored's columns from revisions r, joined with
// the revision p before r of the same resource; a WHERE clause follows.
const selectStored = "SELECT r.id, r.resource, r.resource_type, r.create_time, r.actor, r.action, r.fields, r.message_type, r.snapshot, r.actor_left_out, " +
	"COALESCE(p.actor, ''), COALESCE(p.actor_left_out, FALSE), p.snapshot FROM revisions r LEFT JOIN revisions p ON p.id = " +
	"(SELECT MAX(b.id) FROM revisions b WHERE b.resource = r.resource AND b.id < r.id)"

// newestFirst orders revisions r by key, newest first.
const newestFirst = " ORDER BY r.create_time DESC, r.resource_type, r.id DESC"

func scanStored(s sqldb.Scanner) (stored, error) {
	var r stored
	err := s.Scan(&r.id, &r.now.name, &r.typ, &r.at, &r.now.actor, &r.action, &r.fields, &r.now.messageType, &r.now.data, &r.now.actorLeftOut,
		&r.prior.actor, &r.prior.actorLeftOut, &r.prior.data)
	r.prior.name, r.prior.messageType = r.now.name, r.now.messageType
	return r, err
}

// selectRevisions reads the revisions r matching where (conditions joined
// with AND), after the page token's key, newest first: at most limit+1,
// the one more telling that there is a next page.
func selectRevisions(ctx context.Context, q sqldb.Querier, where []string, args []any, token string, limit int) ([]stored, error) {
	if token != "" {
		after, err := decodeToken(token)
		if err != nil {
			return nil, err
		}
		where = append(where, "(r.create_time < ? OR (r.create_time = ? AND (r.resource_type > ? OR (r.resource_type = ? AND r.id < ?))))")
		args = append(args, after.at, after.at, after.typ, after.typ, after.id)
	}
	return sqldb.Select(ctx, q, "revisions", scanStored, selectStored+" WHERE "+
		strings.Join(where, " AND ")+newestFirst+" LIMIT "+strconv.Itoa(limit+1), args...)
}

// page makes the API's page of rows read for a page of size limit.
func page(rows []stored, limit int) ([]*historypb.Revision, string, error) {
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeToken(rows[limit-1].key)
	}
	out := make([]*historypb.Revision, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.revision(); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// revision is the API's form of r.
func (r stored) revision() (*historypb.Revision, error) {
	now, err := r.now.decode()
	if err != nil {
		return nil, err
	}
	var before proto.Message
	if r.prior.data != nil {
		if before, err = r.prior.decode(); err != nil {
			return nil, err
		}
	}
	snapshot, err := toStruct(now)
	if err != nil {
		return nil, err
	}
	changes, err := r.changes(before, now)
	if err != nil {
		return nil, err
	}
	id := strconv.FormatInt(r.id, 10)
	return &historypb.Revision{Name: r.now.name + "@" + id, Resource: r.now.name, ResourceType: r.typ, RevisionId: id,
		CreateTime: timestamppb.New(time.UnixMicro(r.at)), Actor: r.now.actor, Action: historypb.Action(r.action), Changes: changes, ResourceSnapshot: snapshot}, nil
}

// changes are the fields r changed from before (the revision before it;
// nil for none) to now: every field a creation set, and those an update
// or a recomputation set and changed; none for a deletion or undeletion.
func (r stored) changes(before, now proto.Message) ([]*historypb.FieldChange, error) {
	switch historypb.Action(r.action) {
	case historypb.Action_ACTION_CREATED:
		return diff(nil, now, nil)
	case historypb.Action_ACTION_UPDATED, historypb.Action_ACTION_COMPUTED:
		return diff(before, now, strings.Split(r.fields, ","))
	}
	return nil, nil
}

// revisionOf reads the revision id of the resource called name; NOT_FOUND
// naming the revision when there is none.
func revisionOf(ctx context.Context, q sqldb.Querier, name string, id int64) (stored, error) {
	rows, err := sqldb.Select(ctx, q, "revision", scanStored, selectStored+" WHERE r.resource = ? AND r.id = ?", name, id)
	if err != nil {
		return stored{}, err
	}
	if len(rows) == 0 {
		return stored{}, apierr.NotFound(name + "@" + strconv.FormatInt(id, 10))
	}
	return rows[0], nil
}

// latest is the id of the resource's newest revision, 0 when it has none.
func latest(ctx context.Context, q sqldb.Querier, name string) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM revisions WHERE resource = ?", name).Scan(&id); err != nil {
		return 0, fmt.Errorf("latest revision of %s: %w", name, err)
	}
	return id, nil
}

// encodeToken is the page token of the revisions after k.
func encodeToken(k key) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%s.%d", k.at, k.typ, k.id))
}

// decodeToken reads a page token, INVALID_ARGUMENT naming page_token when
// it is not one.
func decodeToken(token string) (key, error) {
	bad := apierr.InvalidArgument("page_token", "is not a token this list returned")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return key{}, bad
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return key{}, bad
	}
	at, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return key{}, bad
	}
	return key{at: at, typ: parts[1], id: id}, nil
}

// keyOf is the ordering key of an API revision.
func keyOf(r *historypb.Revision) key {
	id, _ := strconv.ParseInt(r.GetRevisionId(), 10, 64)
	return key{at: r.GetCreateTime().AsTime().UnixMicro(), typ: r.GetResourceType(), id: id}
}

// newer says whether a comes before b, newest first.
func newer(a, b key) bool {
	if a.at != b.at {
		return a.at > b.at
	}
	if a.typ != b.typ {
		return a.typ < b.typ
	}
	return a.id > b.id
}

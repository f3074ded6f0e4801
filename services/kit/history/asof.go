package history

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// AsOf returns the resources of type typ (a collection: "elements") of
// organisation orgID as they stood at t, by name: each one's latest
// revision made at or before t. Those deleted then are included (their
// delete_time says so); those made after t, or before the history began,
// are not.
func AsOf(ctx context.Context, q sqldb.Querier, orgID, typ string, t time.Time) (map[string]proto.Message, error) {
	return stood(ctx, q, "SELECT "+snapshotColumns+" FROM revisions r JOIN "+
		"(SELECT resource, MAX(id) AS id FROM revisions WHERE organisation_id = ? AND resource_type = ? AND create_time <= ? GROUP BY resource) l "+
		"ON r.id = l.id", orgID, typ, t.UnixMicro())
}

// OneAsOf is the resource called name as it stood at t; false when it had
// no revision by then.
func OneAsOf(ctx context.Context, q sqldb.Querier, name string, t time.Time) (proto.Message, bool, error) {
	all, err := stood(ctx, q, "SELECT "+snapshotColumns+" FROM revisions r "+
		"WHERE r.id = (SELECT MAX(id) FROM revisions WHERE resource = ? AND create_time <= ?)", name, t.UnixMicro())
	s, ok := all[name]
	return s, ok, err
}

// Recorded says whether the resource called name has any revision: one
// that has none was made before the history began.
func Recorded(ctx context.Context, q sqldb.Querier, name string) (bool, error) {
	id, err := latest(ctx, q, name)
	return id > 0, err
}

// snapshotColumns are the columns of a revision r that stood reads.
const snapshotColumns = "r.resource, r.message_type, r.snapshot, r.actor, r.actor_left_out"

// stood reads the revisions query selects (snapshotColumns): the
// resources as they left them, by name.
func stood(ctx context.Context, q sqldb.Querier, query string, args ...any) (map[string]proto.Message, error) {
	rows, err := sqldb.Select(ctx, q, "revisions as of a time", func(s sqldb.Scanner) (snapshot, error) {
		var r snapshot
		err := s.Scan(&r.name, &r.messageType, &r.data, &r.actor, &r.actorLeftOut)
		return r, err
	}, query, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]proto.Message, len(rows))
	for _, r := range rows {
		m, err := r.decode()
		if err != nil {
			return nil, err
		}
		out[r.name] = m
	}
	return out, nil
}

// Diff lists the fields of only (all when nil) whose values differ from
// before to after, as a revision lists them.
func Diff(before, after proto.Message, only []string) ([]*historypb.FieldChange, error) {
	return diff(before, after, only)
}

// RecordedOf returns the names of the resources of type typ of
// organisation orgID that have a revision.
func RecordedOf(ctx context.Context, q sqldb.Querier, orgID, typ string) (map[string]bool, error) {
	names, err := sqldb.Select(ctx, q, "recorded resources", func(s sqldb.Scanner) (string, error) {
		var n string
		err := s.Scan(&n)
		return n, err
	}, "SELECT DISTINCT resource FROM revisions WHERE organisation_id = ? AND resource_type = ?", orgID, typ)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

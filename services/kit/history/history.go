// Package history keeps the revisions of a service's resources (AIP-162):
// each change is recorded in the transaction that makes it, with its
// actor, its time, what it did and the resource as it stood after it (its
// encoding without its name, which the row holds), in a revisions table of
// the service's own database. From them it answers a
// resource's revisions, with the fields each changed, an organisation's
// change log, and what a resource was at a given time.
//
// The resource engine records every change it makes; a service records
// the changes it makes beside the engine (a cascade, a batch) with Record.
package history

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations creates the revisions table; every service applies it as the
// component "history".
var Migrations, _ = fs.Sub(migrations, "migrations")

// Resource is a resource message: it has a name under
// organisations/{organisation}.
type Resource interface {
	proto.Message
	GetName() string
}

// Record writes the revision of m that actor's change made (action), in
// the change's transaction tx. fields are those an update or a
// recomputation set (its update mask).
func Record(ctx context.Context, tx *sqldb.Tx, m Resource, action historypb.Action, actor string, fields ...string) error {
	return insertRevisions(ctx, tx, []Resource{m}, action, actor, strings.Join(fields, ","))
}

// RecordAll writes the revisions of ms that one change by actor made
// (action) — a batch's creations — as Record would each, a statement per
// hundred.
func RecordAll(ctx context.Context, tx *sqldb.Tx, ms []Resource, action historypb.Action, actor string) error {
	return insertRevisions(ctx, tx, ms, action, actor, "")
}

func insertRevisions(ctx context.Context, tx *sqldb.Tx, ms []Resource, action historypb.Action, actor, fields string) error {
	const perStatement, cols = 100, 10
	now := time.Now().UnixMicro()
	for chunk := range slices.Chunk(ms, perStatement) {
		args := make([]any, 0, len(chunk)*cols)
		for _, m := range chunk {
			s, err := encodeSnapshot(m, actor)
			if err != nil {
				return fmt.Errorf("revision of %s: %w", s.name, err)
			}
			args = append(args, organisationOf(s.name), s.name, TypeOf(s.name), now, actor, int32(action), fields,
				s.messageType, s.data, s.actorLeftOut)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO revisions (organisation_id, resource, resource_type, create_time, actor, action, fields, message_type, snapshot, actor_left_out) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", "), args...)
		if err != nil {
			return fmt.Errorf("record revision of %s: %w", chunk[0].GetName(), err)
		}
	}
	return nil
}

// TypeOf is the type of the resource called name: the last collection in
// it (organisations/o/elements/e is an "elements"), or a singleton's own
// name (organisations/o/publication is a "publication").
func TypeOf(name string) string {
	parts := strings.Split(name, "/")
	switch {
	case len(parts) < 2:
		return ""
	case len(parts)%2 == 1:
		return parts[len(parts)-1]
	}
	return parts[len(parts)-2]
}

// organisationOf is the id of the organisation a resource name is under.
func organisationOf(name string) string {
	rest, _ := strings.CutPrefix(name, "organisations/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// Prune deletes the revisions made before cutoff, but for each resource's
// latest, which says what it has been since; it returns how many it
// deleted.
func Prune(ctx context.Context, db *sqldb.DB, cutoff time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, "DELETE FROM revisions WHERE create_time < ? AND id < "+
		"(SELECT MAX(l.id) FROM revisions l WHERE l.resource = revisions.resource)", cutoff.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("prune revisions: %w", err)
	}
	return res.RowsAffected()
}

// Count is how many revisions the database keeps.
func Count(ctx context.Context, q sqldb.Querier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM revisions").Scan(&n); err != nil {
		return 0, fmt.Errorf("count revisions: %w", err)
	}
	return n, nil
}

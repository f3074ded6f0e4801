package organisations

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// errNotFound is returned by reads of an id that has no row.
var errNotFound = errors.New("organisation not found")

// record is an organisation as stored: the API resource and its revision.
type record struct {
	org      *pb.Organisation
	id       string
	revision int64
}

const columns = "id, display_name, description, kind, owners, website, create_time, update_time, delete_time, revision"

// listSchema says what ListOrganisations may filter and sort on.
var listSchema = &listing.Schema[*record]{
	Fields: []listing.Field[*record]{
		{Name: "display_name", Column: "display_name", Kind: listing.String, Filter: true, Sort: true,
			Key: func(r *record) any { return r.org.DisplayName }},
		{Name: "kind", Column: "kind", Kind: listing.Enum, Enum: pb.Organisation_Kind_value, Filter: true},
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r *record) any { return resource.Micros(r.org.CreateTime) }},
		{Name: "update_time", Column: "update_time", Kind: listing.Int, Sort: true,
			Key: func(r *record) any { return resource.Micros(r.org.UpdateTime) }},
	},
	IDColumn:     "id",
	ID:           func(r *record) string { return r.id },
	DefaultOrder: "create_time",
}

func getRecord(ctx context.Context, q sqldb.Querier, id string) (*record, error) {
	return scanOne(q.QueryRowContext(ctx, "SELECT "+columns+" FROM organisations WHERE id = ?", id))
}

func getByRequestID(ctx context.Context, q sqldb.Querier, requestID string) (*record, error) {
	return scanOne(q.QueryRowContext(ctx, "SELECT "+columns+" FROM organisations WHERE request_id = ?", requestID))
}

// liveIDs returns which of ids name organisations that exist and are not
// deleted.
func liveIDs(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error) {
	live := map[string]bool{}
	if len(ids) == 0 {
		return live, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, "SELECT id FROM organisations WHERE delete_time IS NULL AND id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("look up owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("look up owners: %w", err)
		}
		live[id] = true
	}
	return live, rows.Err()
}

func listRecords(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*record], showDeleted bool) ([]*record, error) {
	where := plan.Where
	if !showDeleted {
		where = "delete_time IS NULL AND " + where
	}
	rows, err := q.QueryContext(ctx, "SELECT "+columns+" FROM organisations WHERE "+where+
		" ORDER BY "+plan.OrderBy+" LIMIT "+strconv.Itoa(plan.Limit), plan.Args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []*record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func insertRecord(ctx context.Context, tx *sqldb.Tx, r *record, requestID string) error {
	owners, _ := json.Marshal(r.org.Owners) // a []string always marshals
	var reqID any
	if requestID != "" {
		reqID = requestID
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO organisations ("+columns+", request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.id, r.org.DisplayName, r.org.Description, int32(r.org.Kind), string(owners), r.org.Website,
		resource.Micros(r.org.CreateTime), resource.Micros(r.org.UpdateTime), resource.NullMicros(r.org.DeleteTime), r.revision, reqID)
	if err != nil {
		return fmt.Errorf("insert organisation: %w", err)
	}
	return nil
}

// updateRecord writes r over the row at revision r.revision-1. It returns
// false when the row has moved on meanwhile.
func updateRecord(ctx context.Context, tx *sqldb.Tx, r *record) (bool, error) {
	owners, _ := json.Marshal(r.org.Owners)
	res, err := tx.ExecContext(ctx, `UPDATE organisations SET display_name = ?, description = ?, kind = ?, owners = ?,
		website = ?, update_time = ?, delete_time = ?, revision = ? WHERE id = ? AND revision = ?`,
		r.org.DisplayName, r.org.Description, int32(r.org.Kind), string(owners), r.org.Website,
		resource.Micros(r.org.UpdateTime), resource.NullMicros(r.org.DeleteTime), r.revision, r.id, r.revision-1)
	if err != nil {
		return false, fmt.Errorf("update organisation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("update organisation: %w", err)
	}
	return n == 1, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanOne(row *sql.Row) (*record, error) {
	r, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	return r, err
}

func scan(s scanner) (*record, error) {
	var (
		r              = &record{org: &pb.Organisation{}}
		kind           int32
		owners         string
		create, update int64
		deleteTime     sql.NullInt64
	)
	err := s.Scan(&r.id, &r.org.DisplayName, &r.org.Description, &kind, &owners, &r.org.Website,
		&create, &update, &deleteTime, &r.revision)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("read organisation: %w", err)
	}
	if err := json.Unmarshal([]byte(owners), &r.org.Owners); err != nil {
		return nil, fmt.Errorf("read organisation %s: owners: %w", r.id, err)
	}
	r.org.Name = resourcename.Format(collection, r.id)
	r.org.Kind = pb.Organisation_Kind(kind)
	r.org.CreateTime = resource.Time(create)
	r.org.UpdateTime = resource.Time(update)
	r.org.DeleteTime = resource.NullTime(deleteTime)
	r.org.Etag = resource.Etag(r.revision)
	return r, nil
}

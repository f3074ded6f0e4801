package organisations

import (
	"context"
	"encoding/json"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// orgRecord is an organisation as stored: the API resource and its revision.
type orgRecord struct {
	resource.Stored[*pb.Organisation]
	id string
}

var organisationsTable = resource.Table[*orgRecord]{
	Name:    "organisations",
	Columns: "id, display_name, description, kind, owners, website, create_time, update_time, delete_time, revision, update_actor, viewers_may_comment",
	Key:     1,
	Scan:    scanOrganisation,
	Values:  organisationValues,
}

// organisationListSchema says what ListOrganisations may filter and sort on.
var organisationListSchema = resource.Schema[*orgRecord, *pb.Organisation]("create_time", []listing.Field[*orgRecord]{
	{Name: "display_name", Column: "display_name", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *orgRecord) any { return r.Msg.DisplayName }},
	{Name: "kind", Column: "kind", Kind: listing.Enum, Enum: pb.Organisation_Kind_value, Filter: true},
})

// shareOrganisation reads an organisation and keeps it from changing until
// tx ends, so that it cannot be deleted while something is added to it.
func shareOrganisation(ctx context.Context, tx *sqldb.Tx, id string) (*orgRecord, error) {
	return organisationsTable.One(ctx, tx, "id = ?"+forShare(tx), id)
}

// liveOrganisationIDs returns which of ids name organisations that exist
// and are not deleted.
func liveOrganisationIDs(ctx context.Context, q sqldb.Querier, ids []string) (map[string]bool, error) {
	live := map[string]bool{}
	if len(ids) == 0 {
		return live, nil
	}
	in, args := resource.In("id", ids)
	rows, err := q.QueryContext(ctx, "SELECT id FROM organisations WHERE delete_time IS NULL AND "+in, args...)
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

// listOrganisations lists the organisations with the given ids, or all of
// them when ids is nil.
func listOrganisations(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*orgRecord], showDeleted bool, ids []string) ([]*orgRecord, error) {
	if ids == nil {
		return organisationsTable.Page(ctx, q, plan, showDeleted, "")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := resource.In("id", ids)
	return organisationsTable.Page(ctx, q, plan, showDeleted, in, args...)
}

// organisationValues are an organisation's columns in organisationsTable's
// order.
func organisationValues(r *orgRecord) ([]any, error) {
	return []any{r.id, r.Msg.DisplayName, r.Msg.Description, int32(r.Msg.Kind), ownersJSON(r.Msg.Owners), r.Msg.Website,
		resource.Micros(r.Msg.CreateTime), resource.Micros(r.Msg.UpdateTime), resource.NullMicros(r.Msg.DeleteTime), r.Rev,
		r.Msg.UpdateActor, sqldb.Bool(r.Msg.ViewersMayComment)}, nil
}

// insertOrganisation adds r's row and its owners.
func insertOrganisation(ctx context.Context, tx *sqldb.Tx, r *orgRecord) error {
	if err := organisationsTable.Insert(ctx, tx, r); err != nil {
		return err
	}
	return writeOwners(ctx, tx, r.id, r.Msg.Owners)
}

// saveOrganisation writes r over the row at revision r.revision-1, and its
// owners; false when the row has moved on meanwhile.
func saveOrganisation(ctx context.Context, tx *sqldb.Tx, r *orgRecord) (bool, error) {
	if ok, err := organisationsTable.Update(ctx, tx, r, r.Rev-1); !ok || err != nil {
		return false, err
	}
	return true, writeOwners(ctx, tx, r.id, r.Msg.Owners)
}

// ownersJSON is the stored form of owners: a JSON array, [] when there are
// none, so that every row reads back the same way.
func ownersJSON(owners []string) string {
	if owners == nil {
		owners = []string{}
	}
	b, _ := json.Marshal(owners) // a []string always marshals
	return string(b)
}

func scanOrganisation(s resource.Scanner) (*orgRecord, error) {
	var (
		r      = &orgRecord{Stored: resource.Hold(&pb.Organisation{})}
		kind   int32
		owners string
		stamps resource.Stamps
		anyone int
	)
	err := s.Scan(&r.id, &r.Msg.DisplayName, &r.Msg.Description, &kind, &owners, &r.Msg.Website,
		&stamps.Create, &stamps.Update, &stamps.Delete, &r.Rev, &r.Msg.UpdateActor, &anyone)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(owners), &r.Msg.Owners); err != nil {
		return nil, fmt.Errorf("read organisation %s: owners: %w", r.id, err)
	}
	r.Msg.Name = resource.NameOf[*pb.Organisation](r.id)
	r.Msg.Kind = pb.Organisation_Kind(kind)
	r.Msg.ViewersMayComment = anyone == 1
	r.Msg.CreateTime, r.Msg.UpdateTime, r.Msg.DeleteTime = stamps.Times()
	r.Msg.Etag = resource.Etag(r.Rev)
	return r, nil
}

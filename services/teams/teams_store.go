package teams

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// teamRecord is a team as stored: the API resource and what only storage
// needs.
type teamRecord struct {
	resource.Stored[*pb.Team]
	orgID, id      string
	parentID       string
	deletedWithOrg bool
}

// with returns the record holding team instead, at the same revision, with
// the id of the parent team it names (which must be of r's organisation).
func (r *teamRecord) with(team *pb.Team) (*teamRecord, error) {
	pID, err := parentID(r.orgID, team.ParentTeam)
	if err != nil {
		return nil, err
	}
	next := resource.With(r, team)
	next.parentID = pID
	return next, nil
}

// teamsTable holds every organisation's teams, keyed by (organisation_id,
// id). deleted_with_organisation marks the teams an organisation's deletion
// deleted, which its undeletion restores.
var teamsTable = resource.Table[*teamRecord]{
	Name: "teams",
	Columns: "organisation_id, id, display_name, purpose, terms_of_reference, kind, parent_id, " +
		"create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor",
	Key:    2,
	Scan:   func(s resource.Scanner) (*teamRecord, error) { return scanTeam(s) },
	Values: teamValues,
}

// teamListSchema says what ListTeams may filter and sort on.
var teamListSchema = resource.Schema[*teamRecord, *pb.Team]("display_name", []listing.Field[*teamRecord]{
	{Name: "display_name", Column: "display_name", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *teamRecord) any { return r.Msg.DisplayName }},
	{Name: "kind", Column: "kind", Kind: listing.Enum, Enum: pb.Team_Kind_value, Filter: true},
	resource.NameField[*teamRecord]("parent_team", "teams", "parent_id", "team", true),
})

// ancestors returns the team's parent, its parent and so on, nearest first.
// The depth guard keeps a corrupt cycle from looping forever.
func ancestors(ctx context.Context, q sqldb.Querier, orgID, id string) ([]*teamRecord, error) {
	chain, _, err := treeQuery(ctx, q, "ancestors", `WITH RECURSIVE chain (id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM teams WHERE organisation_id = ? AND id = ?
			UNION ALL
			SELECT t.id, t.parent_id, c.depth + 1 FROM teams t JOIN chain c ON t.id = c.parent_id
			WHERE t.organisation_id = ? AND c.depth < ?
		)
		SELECT `+qualified("t")+`, c.depth FROM teams t JOIN chain c ON t.id = c.id
		WHERE t.organisation_id = ? AND c.depth > 0 ORDER BY c.depth`,
		orgID, id, orgID, MaxDepth*2, orgID)
	return chain, err
}

// subtree returns the team and its live descendants with their depth below
// it (0 for the team itself).
func subtree(ctx context.Context, q sqldb.Querier, orgID, id string) ([]*teamRecord, []int, error) {
	return treeQuery(ctx, q, "subtree", `WITH RECURSIVE sub (id, depth) AS (
			SELECT id, 0 FROM teams WHERE organisation_id = ? AND id = ?
			UNION ALL
			SELECT t.id, s.depth + 1 FROM teams t JOIN sub s ON t.parent_id = s.id
			WHERE t.organisation_id = ? AND t.delete_time IS NULL AND s.depth < ?
		)
		SELECT `+qualified("t")+`, s.depth FROM teams t JOIN sub s ON t.id = s.id
		WHERE t.organisation_id = ? ORDER BY s.depth, t.display_name, t.id`,
		orgID, id, orgID, MaxDepth*2, orgID)
}

// treeQuery reads the teams a recursive query over the tree selects, each
// with its depth in the tree walked. teamsTable cannot run these: its
// queries are SELECT ... FROM teams WHERE ..., and these start WITH.
func treeQuery(ctx context.Context, q sqldb.Querier, what, query string, args ...any) ([]*teamRecord, []int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var recs []*teamRecord
	var depths []int
	for rows.Next() {
		var depth int
		r, err := scanTeam(rows, &depth)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		recs = append(recs, r)
		depths = append(depths, depth)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	return recs, depths, nil
}

func countLiveChildren(ctx context.Context, q sqldb.Querier, orgID, id string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM teams WHERE organisation_id = ? AND parent_id = ? AND delete_time IS NULL",
		orgID, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count child teams: %w", err)
	}
	return n, nil
}

// teamValues are a team's columns in teamsTable's order.
func teamValues(r *teamRecord) ([]any, error) {
	return []any{r.orgID, r.id, r.Msg.DisplayName, r.Msg.Purpose, r.Msg.TermsOfReference, int32(r.Msg.Kind), r.parentID,
		resource.Micros(r.Msg.CreateTime), resource.Micros(r.Msg.UpdateTime), resource.NullMicros(r.Msg.DeleteTime),
		sqldb.Bool(r.deletedWithOrg), r.Rev, r.Msg.UpdateActor}, nil
}

// qualified returns teamsTable's columns prefixed with a table alias.
func qualified(alias string) string {
	return alias + "." + strings.ReplaceAll(teamsTable.Columns, ", ", ", "+alias+".")
}

// scanTeam reads teamsTable's columns, then extra columns into extra.
func scanTeam(s resource.Scanner, extra ...any) (*teamRecord, error) {
	var (
		r       = &teamRecord{Stored: resource.Hold(&pb.Team{})}
		kind    int32
		stamps  resource.Stamps
		withOrg int
	)
	dest := append([]any{&r.orgID, &r.id, &r.Msg.DisplayName, &r.Msg.Purpose, &r.Msg.TermsOfReference, &kind,
		&r.parentID, &stamps.Create, &stamps.Update, &stamps.Delete, &withOrg, &r.Rev, &r.Msg.UpdateActor}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	r.Msg.Name = teamName(r.orgID, r.id)
	r.Msg.Kind = pb.Team_Kind(kind)
	if r.parentID != "" {
		r.Msg.ParentTeam = teamName(r.orgID, r.parentID)
	}
	r.Msg.CreateTime, r.Msg.UpdateTime, r.Msg.DeleteTime = stamps.Times()
	r.Msg.Etag = resource.Etag(r.Rev)
	r.deletedWithOrg = withOrg == 1
	return r, nil
}

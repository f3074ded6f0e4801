package organisations

import (
	"context"
	"database/sql"
	"fmt"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// tokenRecord is an API token as stored.
type tokenRecord struct {
	token      *pb.ApiToken
	orgID, id  string
	secretHash string
}

var tokensTable = resource.Table[*tokenRecord]{
	Name:    "api_tokens",
	Columns: "organisation_id, id, display_name, role, secret_hash, expire_time, create_time, delete_time, create_actor, update_actor",
	Scan:    scanToken,
}

// tokenListSchema lists tokens newest first; they sort but do not filter.
var tokenListSchema = &listing.Schema[*tokenRecord]{
	Fields: []listing.Field[*tokenRecord]{
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r *tokenRecord) any { return resource.Micros(r.token.CreateTime) }},
	},
	IDColumn:     "id",
	ID:           func(r *tokenRecord) string { return r.id },
	DefaultOrder: "create_time desc",
}

func getToken(ctx context.Context, q sqldb.Querier, orgID, id string) (*tokenRecord, error) {
	return tokensTable.One(ctx, q, "organisation_id = ? AND id = ?", orgID, id)
}

// getTokenByID finds a presented token, whatever its organisation.
func getTokenByID(ctx context.Context, q sqldb.Querier, id string) (*tokenRecord, error) {
	return tokensTable.One(ctx, q, "id = ?", id)
}

func listTokens(ctx context.Context, q sqldb.Querier, orgID string, plan *listing.Plan[*tokenRecord], showDeleted bool) ([]*tokenRecord, error) {
	return tokensTable.Page(ctx, q, plan, showDeleted, "organisation_id = ?", orgID)
}

// hasPlatformToken reports whether a platform token was ever made.
func hasPlatformToken(ctx context.Context, q sqldb.Querier) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM api_tokens WHERE organisation_id = ''").Scan(&n); err != nil {
		return false, fmt.Errorf("count platform tokens: %w", err)
	}
	return n > 0, nil
}

func insertToken(ctx context.Context, tx *sqldb.Tx, r *tokenRecord) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO api_tokens ("+tokensTable.Columns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.orgID, r.id, r.token.DisplayName, int32(r.token.Role), r.secretHash, resource.NullMicros(r.token.ExpireTime),
		resource.Micros(r.token.CreateTime), resource.NullMicros(r.token.DeleteTime), r.token.CreateActor, r.token.UpdateActor)
	if err != nil {
		return fmt.Errorf("insert api token: %w", err)
	}
	return nil
}

// revokeToken marks a live token revoked, reporting false when it was not
// live any more.
func revokeToken(ctx context.Context, tx *sqldb.Tx, r *tokenRecord) (bool, error) {
	revoked, err := tx.ChangedOne(ctx, "UPDATE api_tokens SET delete_time = ?, update_actor = ? WHERE organisation_id = ? AND id = ? AND delete_time IS NULL",
		resource.Micros(r.token.DeleteTime), r.token.UpdateActor, r.orgID, r.id)
	if err != nil {
		return false, fmt.Errorf("revoke api token: %w", err)
	}
	return revoked, nil
}

// grantsOf returns the roles, and the people, of the live people whose
// external subject is sub in live organisations, by organisation id.
func grantsOf(ctx context.Context, q sqldb.Querier, sub string) (map[string]identitypb.Role, map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.organisation_id, p.id, p.role FROM people p JOIN organisations o ON o.id = p.organisation_id
		WHERE p.external_subject = ? AND p.delete_time IS NULL AND o.delete_time IS NULL AND p.role > 0`, sub)
	if err != nil {
		return nil, nil, fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	roles, people := map[string]identitypb.Role{}, map[string]string{}
	for rows.Next() {
		var orgID, personID string
		var role int32
		if err := rows.Scan(&orgID, &personID, &role); err != nil {
			return nil, nil, fmt.Errorf("grants: %w", err)
		}
		roles[orgID] = identitypb.Role(role)
		people[orgID] = resource.NameOf[*pb.Person](orgID, personID)
	}
	return roles, people, rows.Err()
}

func scanToken(s resource.Scanner) (*tokenRecord, error) {
	var (
		r                    = &tokenRecord{token: &pb.ApiToken{}}
		role                 int32
		create               int64
		expireTime, deleteAt sql.NullInt64
	)
	err := s.Scan(&r.orgID, &r.id, &r.token.DisplayName, &role, &r.secretHash, &expireTime, &create, &deleteAt,
		&r.token.CreateActor, &r.token.UpdateActor)
	if err != nil {
		return nil, err
	}
	r.token.Name = tokenName(r.orgID, r.id)
	r.token.Role = identitypb.Role(role)
	r.token.ExpireTime = resource.NullTime(expireTime)
	r.token.CreateTime = resource.Time(create)
	r.token.DeleteTime = resource.NullTime(deleteAt)
	return r, nil
}

package teams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// memberRecord is a membership as stored.
type memberRecord struct {
	member                    *pb.Member
	orgID, teamID, id, person string
	revision                  int64
}

// Message implements resource.Record.
func (r *memberRecord) Message() *pb.Member { return r.member }

// Revision implements resource.Record.
func (r *memberRecord) Revision() *int64 { return &r.revision }

// with returns the record holding member instead, at the same revision.
func (r *memberRecord) with(member *pb.Member) *memberRecord {
	return &memberRecord{member: member, orgID: r.orgID, teamID: r.teamID, id: r.id, person: r.person, revision: r.revision}
}

const memberColumns = "organisation_id, team_id, id, person_id, role, start_date, end_date, " +
	"create_time, update_time, delete_time, revision, update_actor"

// memberListSchema says what ListMembers may filter and sort on. Across
// teams an id is unique only with its team, hence the composite tie-break.
var memberListSchema = &listing.Schema[*memberRecord]{
	Fields: []listing.Field[*memberRecord]{
		{Name: "person", Column: "('organisations/' || organisation_id || '/people/' || person_id)", Kind: listing.String,
			Filter: true, Parse: parsePersonFilter},
		{Name: "role", Column: "role", Kind: listing.Enum, Enum: pb.Member_Role_value, Filter: true},
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r *memberRecord) any { return resource.Micros(r.member.CreateTime) }},
		{Name: "update_time", Column: "update_time", Kind: listing.Int, Sort: true,
			Key: func(r *memberRecord) any { return resource.Micros(r.member.UpdateTime) }},
	},
	IDColumn:     "(team_id || '/' || id)",
	ID:           func(r *memberRecord) string { return r.teamID + "/" + r.id },
	DefaultOrder: "create_time",
}

func getMember(ctx context.Context, q sqldb.Querier, orgID, teamID, id string) (*memberRecord, error) {
	return queryOne(q.QueryRowContext(ctx, "SELECT "+memberColumns+" FROM members WHERE organisation_id = ? AND team_id = ? AND id = ?",
		orgID, teamID, id), scanMember)
}

// liveMembership returns the person's live membership of the team, nil
// when there is none.
func liveMembership(ctx context.Context, q sqldb.Querier, orgID, teamID, personID string) (*memberRecord, error) {
	m, err := queryOne(q.QueryRowContext(ctx, "SELECT "+memberColumns+
		" FROM members WHERE organisation_id = ? AND team_id = ? AND person_id = ? AND delete_time IS NULL", orgID, teamID, personID), scanMember)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// liveMembershipsOf returns every live membership of a person.
func liveMembershipsOf(ctx context.Context, q sqldb.Querier, orgID, personID string) ([]*memberRecord, error) {
	return queryMembers(ctx, q, "SELECT "+memberColumns+
		" FROM members WHERE organisation_id = ? AND person_id = ? AND delete_time IS NULL ORDER BY team_id, id", orgID, personID)
}

// listMembers lists one team's memberships, or all teams' for allTeams;
// without showDeleted, ended memberships and those of deleted teams are left
// out.
func listMembers(ctx context.Context, q sqldb.Querier, orgID, teamID string, plan *listing.Plan[*memberRecord], showDeleted bool) ([]*memberRecord, error) {
	where := "organisation_id = ? AND " + plan.Where
	args := []any{orgID}
	if teamID != allTeams {
		where = "team_id = ? AND " + where
		args = []any{teamID, orgID}
	}
	if !showDeleted {
		where = "m.delete_time IS NULL AND EXISTS (SELECT 1 FROM teams t WHERE t.organisation_id = m.organisation_id " +
			"AND t.id = m.team_id AND t.delete_time IS NULL) AND " + where
	}
	return queryMembers(ctx, q, "SELECT "+memberColumns+" FROM members m WHERE "+where+" ORDER BY "+plan.OrderBy+
		" LIMIT "+strconv.Itoa(plan.Limit), append(args, plan.Args...)...)
}

func insertMember(ctx context.Context, tx *sqldb.Tx, r *memberRecord) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO members ("+memberColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.orgID, r.teamID, r.id, r.person, int32(r.member.Role), formatDate(r.member.StartDate), nullDate(r.member.EndDate),
		resource.Micros(r.member.CreateTime), resource.Micros(r.member.UpdateTime), resource.NullMicros(r.member.DeleteTime),
		r.revision, r.member.UpdateActor)
	if err != nil {
		return fmt.Errorf("insert member: %w", err)
	}
	return nil
}

// updateMember writes r over the row at revision r.revision-1, returning
// false when the row has moved on meanwhile.
func updateMember(ctx context.Context, tx *sqldb.Tx, r *memberRecord) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE members SET role = ?, start_date = ?, end_date = ?, update_time = ?,
		delete_time = ?, revision = ?, update_actor = ? WHERE organisation_id = ? AND team_id = ? AND id = ? AND revision = ?`,
		int32(r.member.Role), formatDate(r.member.StartDate), nullDate(r.member.EndDate), resource.Micros(r.member.UpdateTime),
		resource.NullMicros(r.member.DeleteTime), r.revision, r.member.UpdateActor, r.orgID, r.teamID, r.id, r.revision-1)
	return savedOne(res, err, "member")
}

func queryMembers(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*memberRecord, error) {
	return queryAll(ctx, q, "members", scanMember, query, args...)
}

func scanMember(s scanner) (*memberRecord, error) {
	var (
		r              = &memberRecord{member: &pb.Member{}}
		role           int32
		create, update int64
		deleteTime     sql.NullInt64
		start          string
		end            sql.NullString
	)
	if err := s.Scan(&r.orgID, &r.teamID, &r.id, &r.person, &role, &start, &end,
		&create, &update, &deleteTime, &r.revision, &r.member.UpdateActor); err != nil {
		return nil, fmt.Errorf("read member: %w", err)
	}
	r.member.Name = memberName(r.orgID, r.teamID, r.id)
	r.member.Person = personName(r.orgID, r.person)
	r.member.Role = pb.Member_Role(role)
	r.member.StartDate = parseDate(start)
	if end.Valid {
		r.member.EndDate = parseDate(end.String)
	}
	r.member.CreateTime = resource.Time(create)
	r.member.UpdateTime = resource.Time(update)
	r.member.DeleteTime = resource.NullTime(deleteTime)
	r.member.Etag = resource.Etag(r.revision)
	return r, nil
}

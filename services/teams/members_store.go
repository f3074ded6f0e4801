package teams

import (
	"context"
	"database/sql"
	"errors"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// memberRecord is a membership as stored.
type memberRecord struct {
	resource.Stored[*pb.Member]
	orgID, teamID, id, person string
}

// membersTable holds every team's memberships, keyed by (organisation_id,
// team_id, id); dates are stored as YYYY-MM-DD (see dates.Format).
var membersTable = resource.Table[*memberRecord]{
	Name: "members",
	Columns: "organisation_id, team_id, id, person_id, role, start_date, end_date, " +
		"create_time, update_time, delete_time, revision, update_actor",
	Key:    3,
	Scan:   scanMember,
	Values: memberValues,
}

// memberListSchema says what ListMembers may filter and sort on. Across
// teams an id is unique only with its team, hence the composite tie-break.
var memberListSchema = &listing.Schema[*memberRecord]{
	Fields: append([]listing.Field[*memberRecord]{
		resource.NameField[*memberRecord]("person", "people", "person_id", "person", false),
		{Name: "role", Column: "role", Kind: listing.Enum, Enum: pb.Member_Role_value, Filter: true},
	}, resource.TimeFields[*memberRecord, *pb.Member]()...),
	IDColumn:     "(team_id || '/' || id)",
	ID:           func(r *memberRecord) string { return r.teamID + "/" + r.id },
	DefaultOrder: "create_time",
}

// liveMembership returns the person's live membership of the team, nil
// when there is none.
func liveMembership(ctx context.Context, q sqldb.Querier, orgID, teamID, personID string) (*memberRecord, error) {
	m, err := membersTable.One(ctx, q, "organisation_id = ? AND team_id = ? AND person_id = ? AND delete_time IS NULL",
		orgID, teamID, personID)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// liveMembershipsOf returns every live membership of a person.
func liveMembershipsOf(ctx context.Context, q sqldb.Querier, orgID, personID string) ([]*memberRecord, error) {
	return membersTable.All(ctx, q, "organisation_id = ? AND person_id = ? AND delete_time IS NULL ORDER BY team_id, id",
		orgID, personID)
}

// listMembers lists one team's memberships, or all teams' for allTeams;
// without showDeleted, ended memberships and those of deleted teams are left
// out.
func listMembers(ctx context.Context, q sqldb.Querier, orgID, teamID string, plan *listing.Plan[*memberRecord], showDeleted bool) ([]*memberRecord, error) {
	scope, args := "organisation_id = ?", []any{orgID}
	if teamID != allTeams {
		scope, args = "organisation_id = ? AND team_id = ?", []any{orgID, teamID}
	}
	if !showDeleted {
		// A deleted team's memberships are as good as ended.
		scope += " AND EXISTS (SELECT 1 FROM teams t WHERE t.organisation_id = members.organisation_id " +
			"AND t.id = members.team_id AND t.delete_time IS NULL)"
	}
	return membersTable.Page(ctx, q, plan, showDeleted, scope, args...)
}

// memberValues are a membership's columns in membersTable's order.
func memberValues(r *memberRecord) ([]any, error) {
	return []any{r.orgID, r.teamID, r.id, r.person, int32(r.Msg.Role), dates.Format(r.Msg.StartDate),
		dates.Nullable(r.Msg.EndDate), resource.Micros(r.Msg.CreateTime), resource.Micros(r.Msg.UpdateTime),
		resource.NullMicros(r.Msg.DeleteTime), r.Rev, r.Msg.UpdateActor}, nil
}

func scanMember(s resource.Scanner) (*memberRecord, error) {
	var (
		r      = &memberRecord{Stored: resource.Hold(&pb.Member{})}
		role   int32
		stamps resource.Stamps
		start  string
		end    sql.NullString
	)
	if err := s.Scan(&r.orgID, &r.teamID, &r.id, &r.person, &role, &start, &end,
		&stamps.Create, &stamps.Update, &stamps.Delete, &r.Rev, &r.Msg.UpdateActor); err != nil {
		return nil, err
	}
	r.Msg.Name = memberName(r.orgID, r.teamID, r.id)
	r.Msg.Person = personName(r.orgID, r.person)
	r.Msg.Role = pb.Member_Role(role)
	r.Msg.StartDate = dates.Parse(start)
	if end.Valid {
		r.Msg.EndDate = dates.Parse(end.String)
	}
	r.Msg.CreateTime, r.Msg.UpdateTime, r.Msg.DeleteTime = stamps.Times()
	r.Msg.Etag = resource.Etag(r.Rev)
	return r, nil
}

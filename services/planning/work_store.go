package planning

import (
	"context"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The queries of a person's work (WorkService), each scoped to one
// organisation.

// checkInsDue returns the live, open elements of orgID owned by teamIDs
// whose check-in is due by until.
func checkInsDue(ctx context.Context, q sqldb.Querier, orgID string, teamIDs []string, until time.Time) ([]*elementRecord, error) {
	if len(teamIDs) == 0 {
		return nil, nil
	}
	in, ids := resource.In("owner_team_id", teamIDs)
	return elementRows.All(ctx, q, "organisation_id = ? AND delete_time IS NULL AND status NOT IN (?, ?) AND check_in_frequency <> 0 AND "+
		in+" AND "+checkInDueSQL("elements")+" <= ? ORDER BY id",
		append(append([]any{orgID, int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED)}, ids...), until.UnixMicro())...)
}

// mentioning returns the live comments of orgID written since that mention
// person.
func mentioning(ctx context.Context, q sqldb.Querier, orgID, person string, since time.Time) ([]*commentRecord, error) {
	return commentsTable.All(ctx, q, "organisation_id = ? AND delete_time IS NULL AND create_time >= ? AND mentions LIKE ? ORDER BY create_time",
		orgID, since.UnixMicro(), `%"`+person+`"%`)
}

// pendingLinks returns the link requests waiting for orgID's answer.
func pendingLinks(ctx context.Context, q sqldb.Querier, orgID string) ([]*linkRecord, error) {
	return linksTable.All(ctx, q, "organisation_id = ? AND state = ? ORDER BY create_time", orgID, int32(pb.LinkRequest_STATE_PENDING))
}

// elementTitles returns the titles of the elements of orgID with ids.
func elementTitles(ctx context.Context, q sqldb.Querier, orgID string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := resource.In("id", ids)
	rows, err := sqldb.Select(ctx, q, "element titles", func(s sqldb.Scanner) (pair [2]string, err error) {
		return pair, s.Scan(&pair[0], &pair[1])
	}, "SELECT id, title FROM elements WHERE organisation_id = ? AND "+in, append([]any{orgID}, args...)...)
	for _, r := range rows {
		out[elementName(orgID, r[0])] = r[1]
	}
	return out, err
}

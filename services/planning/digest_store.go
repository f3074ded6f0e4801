package planning

import (
	"context"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The queries of a digest (DigestService): what happened in orgID's plan
// from since until until, to the elements owned by teamIDs (all when nil),
// each newest first.

// period is a digest's organisation, period and teams, as query terms on
// an element e.
type period struct {
	orgID        string
	since, until time.Time
	teamIDs      []string
}

// owned is the condition and arguments that keep the elements of p's
// teams, aliased e.
func (p period) owned() (string, []any) {
	if p.teamIDs == nil {
		return "", nil
	}
	in, args := resource.In("e.owner_team_id", p.teamIDs)
	return " AND " + in, args
}

// digestCheckIns returns the check-ins posted in p, with their elements'
// titles.
func digestCheckIns(ctx context.Context, q sqldb.Querier, p period) ([]*pb.DigestCheckIn, error) {
	owned, args := p.owned()
	return sqldb.Select(ctx, q, "digest check-ins", func(s sqldb.Scanner) (*pb.DigestCheckIn, error) {
		var title string
		r, err := scanCheckIn(alsoScanning{s, &title})
		if err != nil {
			return nil, err
		}
		return &pb.DigestCheckIn{CheckIn: r.Msg, ElementTitle: title}, nil
	}, "SELECT "+qualifiedColumns("c", checkInsTable.Columns)+", e.title FROM check_ins c JOIN elements e ON e.organisation_id = c.organisation_id AND e.id = c.element_id "+
		"WHERE c.organisation_id = ? AND c.create_time >= ? AND c.create_time < ?"+owned+" ORDER BY c.create_time DESC",
		append([]any{p.orgID, p.since.UnixMicro(), p.until.UnixMicro()}, args...)...)
}

// digestHealthChanges returns the changes of live elements' health in p,
// with their titles now.
func digestHealthChanges(ctx context.Context, q sqldb.Querier, p period) ([]*pb.HealthChange, error) {
	owned, args := p.owned()
	return sqldb.Select(ctx, q, "digest health changes", func(s sqldb.Scanner) (*pb.HealthChange, error) {
		var id string
		var at int64
		var from, to int32
		c := &pb.HealthChange{}
		err := s.Scan(&id, &c.Title, &at, &from, &to)
		c.Element, c.Time, c.OldHealth, c.NewHealth = elementName(p.orgID, id), resource.Time(at), pb.Health(from), pb.Health(to)
		return c, err
	}, "SELECT e.id, e.title, x.change_time, x.old_value, x.new_value FROM element_changes x "+
		"JOIN elements e ON e.organisation_id = x.organisation_id AND e.id = x.element_id "+
		"WHERE x.organisation_id = ? AND x.kind = ? AND x.change_time >= ? AND x.change_time < ? AND e.delete_time IS NULL"+owned+
		" ORDER BY x.change_time DESC", append([]any{p.orgID, string(healthChange), p.since.UnixMicro(), p.until.UnixMicro()}, args...)...)
}

// digestClosed returns the live elements that became DONE or DROPPED in p
// and still are.
func digestClosed(ctx context.Context, q sqldb.Querier, p period) ([]*elementRecord, error) {
	owned, args := p.owned()
	return queryElements(ctx, q, "SELECT "+qualified("e")+" FROM elements e WHERE e.organisation_id = ? AND e.delete_time IS NULL AND e.status IN (?, ?) "+
		"AND EXISTS (SELECT 1 FROM element_changes x WHERE x.organisation_id = e.organisation_id AND x.element_id = e.id AND x.kind = ? "+
		"AND x.new_value = e.status AND x.change_time >= ? AND x.change_time < ?)"+owned+" ORDER BY e.update_time DESC",
		append([]any{p.orgID, int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED), string(statusChange), p.since.UnixMicro(), p.until.UnixMicro()}, args...)...)
}

// digestCreated returns the live elements created in p.
func digestCreated(ctx context.Context, q sqldb.Querier, p period) ([]*elementRecord, error) {
	owned, args := p.owned()
	return queryElements(ctx, q, "SELECT "+qualified("e")+" FROM elements e WHERE e.organisation_id = ? AND e.delete_time IS NULL "+
		"AND e.create_time >= ? AND e.create_time < ?"+owned+" ORDER BY e.create_time DESC",
		append([]any{p.orgID, p.since.UnixMicro(), p.until.UnixMicro()}, args...)...)
}

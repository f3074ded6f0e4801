package planning

import (
	"context"
	"fmt"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// integrityChecks are the integrity report's findings, each one query over
// the organisation's live elements (e), in report order.
var integrityChecks = []struct {
	kind  pb.IntegrityFinding_Kind
	where string
	args  func(today string) []any
}{
	{pb.IntegrityFinding_KIND_TACTIC_WITHOUT_KPI,
		"e.level = ? AND NOT EXISTS (SELECT 1 FROM element_kpis k WHERE k.organisation_id = e.organisation_id AND k.element_id = e.id AND k.status <> ?)",
		func(string) []any {
			return []any{int32(pb.Level_LEVEL_TACTIC), int32(kpipb.KpiStatus_KPI_STATUS_UNSPECIFIED)}
		}},
	{pb.IntegrityFinding_KIND_OBJECTIVE_WITHOUT_STRATEGY, "e.level = ? AND " + noLiveChild,
		func(string) []any { return []any{int32(pb.Level_LEVEL_OBJECTIVE)} }},
	{pb.IntegrityFinding_KIND_STRATEGY_WITHOUT_TACTIC, "e.level = ? AND " + noLiveChild,
		func(string) []any { return []any{int32(pb.Level_LEVEL_STRATEGY)} }},
	{pb.IntegrityFinding_KIND_OWNER_TEAM_DELETED, "e.owner_team_deleted = 1",
		func(string) []any { return nil }},
	{pb.IntegrityFinding_KIND_PAST_HORIZON_STILL_ACTIVE, "e.end_date < ? AND e.status IN (?, ?, ?)",
		func(today string) []any {
			return []any{today, int32(pb.Status_STATUS_PROPOSED), int32(pb.Status_STATUS_ACTIVE), int32(pb.Status_STATUS_ON_HOLD)}
		}},
	{pb.IntegrityFinding_KIND_THEMATIC_GOAL_WITHOUT_DEFINING_OBJECTIVES,
		"e.objective_kind = ? AND NOT EXISTS (SELECT 1 FROM elements d WHERE d.organisation_id = e.organisation_id AND d.thematic_goal_id = e.id AND d.delete_time IS NULL)",
		func(string) []any { return []any{int32(pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL)} }},
}

const noLiveChild = "NOT EXISTS (SELECT 1 FROM elements c WHERE c.organisation_id = e.organisation_id AND c.parent_id = e.id AND c.delete_time IS NULL)"

// integrityFindings runs every check on the organisation's plan.
func integrityFindings(ctx context.Context, q sqldb.Querier, orgID, today string) ([]*pb.IntegrityFinding, error) {
	var out []*pb.IntegrityFinding
	for _, c := range integrityChecks {
		rows, err := q.QueryContext(ctx, "SELECT e.id, e.title FROM elements e WHERE e.organisation_id = ? AND e.delete_time IS NULL AND "+
			c.where+" ORDER BY e.id", append([]any{orgID}, c.args(today)...)...)
		if err != nil {
			return nil, fmt.Errorf("integrity %s: %w", c.kind, err)
		}
		for rows.Next() {
			var id, title string
			if err := rows.Scan(&id, &title); err != nil {
				rows.Close()
				return nil, fmt.Errorf("integrity %s: %w", c.kind, err)
			}
			out = append(out, &pb.IntegrityFinding{Kind: c.kind, Element: elementName(orgID, id), Title: title})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("integrity %s: %w", c.kind, err)
		}
	}
	return out, nil
}

package planning

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
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
	// A thematic goal's defining objectives are its strategy.
	{pb.IntegrityFinding_KIND_OBJECTIVE_WITHOUT_STRATEGY, "e.level = ? AND " + noLiveChild + " AND NOT " + liveDefiningObjective,
		func(string) []any { return []any{int32(pb.Level_LEVEL_OBJECTIVE)} }},
	{pb.IntegrityFinding_KIND_STRATEGY_WITHOUT_TACTIC, "e.level = ? AND " + noLiveChild,
		func(string) []any { return []any{int32(pb.Level_LEVEL_STRATEGY)} }},
	{pb.IntegrityFinding_KIND_OWNER_TEAM_DELETED, "e.owner_team_deleted = 1",
		func(string) []any { return nil }},
	{pb.IntegrityFinding_KIND_PAST_HORIZON_STILL_ACTIVE, "e.end_date < ? AND e.status IN (?, ?, ?)",
		func(today string) []any {
			return []any{today, int32(pb.Status_STATUS_PROPOSED), int32(pb.Status_STATUS_ACTIVE), int32(pb.Status_STATUS_ON_HOLD)}
		}},
	{pb.IntegrityFinding_KIND_THEMATIC_GOAL_WITHOUT_DEFINING_OBJECTIVES, "e.objective_kind = ? AND NOT " + liveDefiningObjective,
		func(string) []any { return []any{int32(pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL)} }},
	{pb.IntegrityFinding_KIND_DEFINING_OBJECTIVE_PAST_THEMATIC_GOAL, `e.objective_kind = ? AND e.status NOT IN (?, ?) AND EXISTS
		(SELECT 1 FROM elements g WHERE g.organisation_id = e.organisation_id AND g.id = e.thematic_goal_id AND g.end_date < ?)`,
		func(today string) []any {
			return []any{int32(pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE), int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED), today}
		}},
	{pb.IntegrityFinding_KIND_SUPPORTS_UNAVAILABLE, `EXISTS (SELECT 1 FROM element_supports s
		JOIN elements t ON t.organisation_id = s.supported_organisation_id AND t.id = s.supported_id
		WHERE s.organisation_id = e.organisation_id AND s.element_id = e.id AND s.supported_organisation_id <> s.organisation_id
		AND (t.delete_time IS NOT NULL OR t.status IN (?, ?)))`,
		func(string) []any { return []any{int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED)} }},
	{pb.IntegrityFinding_KIND_LINK_REQUEST_UNANSWERED, `EXISTS (SELECT 1 FROM link_requests l
		WHERE l.organisation_id = e.organisation_id AND l.target_id = e.id AND l.state = ? AND l.create_time < ?)`,
		func(string) []any {
			return []any{int32(pb.LinkRequest_STATE_PENDING), time.Now().Add(-unansweredAfter).UnixMicro()}
		}},
	{pb.IntegrityFinding_KIND_CHECK_IN_LATE, "e.check_in_frequency <> 0 AND e.status NOT IN (?, ?) AND " + checkInDueSQL("e") + " < ?",
		func(string) []any {
			return []any{int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED), time.Now().UnixMicro()}
		}},
}

// checkInDueSQL is checkInDue in SQL, in microseconds, of the element
// called table (an alias, or elements).
func checkInDueSQL(table string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "COALESCE(%[1]s.latest_check_in_time, %[1]s.create_time) + CASE %[1]s.check_in_frequency", table)
	for _, f := range slices.Sorted(maps.Keys(checkInPeriods)) {
		fmt.Fprintf(&b, " WHEN %d THEN %d", int32(f), checkInPeriods[f].Microseconds())
	}
	b.WriteString(" END")
	return b.String()
}

// unansweredAfter is how long a link request may wait before the report
// names it.
const unansweredAfter = 7 * 24 * time.Hour

const (
	noLiveChild           = "NOT EXISTS (SELECT 1 FROM elements c WHERE c.organisation_id = e.organisation_id AND c.parent_id = e.id AND c.delete_time IS NULL)"
	liveDefiningObjective = "EXISTS (SELECT 1 FROM elements d WHERE d.organisation_id = e.organisation_id AND d.thematic_goal_id = e.id AND d.delete_time IS NULL)"
)

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

// threadOf reads the golden thread of element id: a walk up its links
// (linksUp), across organisations, nearest first, each element once and
// each link as an edge; the elements of organisations mayRead refuses are
// stubs. The walk ends: every link leads to a higher level but a defining
// objective's, which leads to a thematic goal, which has none such.
//
// get reads each element: as it is now (getElement), or as it stood at a
// time (elementsHandler.elementAt); the first one's NOT_FOUND names it.
func threadOf(orgID, id string, mayRead func(orgID string) bool, get func(orgID, id string) (*elementRecord, error)) (*pb.ElementThread, error) {
	first, err := get(orgID, id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, apierr.NotFound(elementName(orgID, id))
	}
	if err != nil {
		return nil, err
	}
	out := &pb.ElementThread{}
	seen := map[string]bool{first.el.Name: true}
	for queue := []*elementRecord{first}; len(queue) > 0; queue = queue[1:] {
		r := queue[0]
		if mayRead(r.orgID) {
			out.Elements = append(out.Elements, r.el)
		} else {
			out.Elements = append(out.Elements, &pb.Element{Name: r.el.Name, Level: r.el.Level, Health: r.el.Health})
			out.Restricted = append(out.Restricted, r.el.Name)
		}
		for _, l := range linksUp(r) {
			to := elementName(l.orgID, l.id)
			out.Edges = append(out.Edges, &pb.ThreadEdge{From: r.el.Name, To: to, Kind: l.kind})
			if seen[to] {
				continue
			}
			seen[to] = true
			next, err := get(l.orgID, l.id)
			if err != nil {
				return nil, err
			}
			queue = append(queue, next)
		}
	}
	return out, nil
}

// supportersFrom returns the live elements of other organisations that
// support an element of orgID, with their supports.
func supportersFrom(ctx context.Context, q sqldb.Querier, orgID string) ([]*elementRecord, error) {
	recs, err := queryElements(ctx, q, `SELECT `+qualified("e")+` FROM elements e
		JOIN (SELECT DISTINCT organisation_id, element_id FROM element_supports WHERE supported_organisation_id = ? AND organisation_id <> ?) s
		ON e.organisation_id = s.organisation_id AND e.id = s.element_id
		WHERE e.delete_time IS NULL ORDER BY e.organisation_id, e.id`, orgID, orgID)
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].orgID == recs[start].orgID {
			end++
		}
		if err := loadSupports(ctx, q, recs[start].orgID, recs[start:end]); err != nil {
			return nil, err
		}
		start = end
	}
	return recs, nil
}

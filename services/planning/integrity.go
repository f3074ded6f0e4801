package planning

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The integrity report judges a plan as it stands now or as it stood at a
// past time by the same rules: each a test of one live element against
// what the plan held at that time (planState).

// unansweredAfter is how long a link request may wait before the report
// names it.
const unansweredAfter = 7 * 24 * time.Hour

// planState is what the integrity report judges: an organisation's live
// elements at a time, with their supports, and what else it asks of them.
type planState struct {
	at   time.Time
	recs []*elementRecord
	// measured holds the ids of elements a live KPI measures.
	measured map[string]bool
	// unavailable holds the names of other organisations' elements the
	// plan supports that are deleted, DONE or DROPPED.
	unavailable map[string]bool
	// waiting holds the ids of elements another organisation asked to
	// support, in a request unanswered for longer than unansweredAfter.
	waiting map[string]bool
}

// integrityCheck is one kind of finding and the test an element fails.
type integrityCheck struct {
	kind  pb.IntegrityFinding_Kind
	fails func(r *elementRecord) bool
}

// findings runs every check on the plan: findings by kind, then element.
func (p planState) findings() []*pb.IntegrityFinding {
	byID := map[string]*elementRecord{}
	parented, defined := map[string]bool{}, map[string]bool{}
	for _, r := range p.recs {
		byID[r.id] = r
		parented[r.parentID] = true
		defined[r.thematicGoal] = true
	}
	today := dates.Format(dates.Of(p.at.UTC()))
	ended := func(r *elementRecord) bool { return dates.Format(r.Msg.EndDate) < today }
	finished := func(r *elementRecord) bool {
		return r.Msg.Status == pb.Status_STATUS_DONE || r.Msg.Status == pb.Status_STATUS_DROPPED
	}
	checks := []integrityCheck{
		{pb.IntegrityFinding_KIND_TACTIC_WITHOUT_KPI, func(r *elementRecord) bool {
			return r.Msg.Level == pb.Level_LEVEL_TACTIC && !p.measured[r.id]
		}},
		// A thematic goal's defining objectives are its strategy.
		{pb.IntegrityFinding_KIND_OBJECTIVE_WITHOUT_STRATEGY, func(r *elementRecord) bool {
			return r.Msg.Level == pb.Level_LEVEL_OBJECTIVE && !parented[r.id] && !defined[r.id]
		}},
		{pb.IntegrityFinding_KIND_STRATEGY_WITHOUT_TACTIC, func(r *elementRecord) bool {
			return r.Msg.Level == pb.Level_LEVEL_STRATEGY && !parented[r.id]
		}},
		{pb.IntegrityFinding_KIND_OWNER_TEAM_DELETED, func(r *elementRecord) bool { return r.Msg.OwnerTeamDeleted }},
		{pb.IntegrityFinding_KIND_PAST_HORIZON_STILL_ACTIVE, func(r *elementRecord) bool {
			return ended(r) && (r.Msg.Status == pb.Status_STATUS_PROPOSED || r.Msg.Status == pb.Status_STATUS_ACTIVE || r.Msg.Status == pb.Status_STATUS_ON_HOLD)
		}},
		{pb.IntegrityFinding_KIND_THEMATIC_GOAL_WITHOUT_DEFINING_OBJECTIVES, func(r *elementRecord) bool {
			return r.Msg.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL && !defined[r.id]
		}},
		{pb.IntegrityFinding_KIND_DEFINING_OBJECTIVE_PAST_THEMATIC_GOAL, func(r *elementRecord) bool {
			goal := byID[r.thematicGoal]
			return r.Msg.ObjectiveKind == pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE && !finished(r) && goal != nil && ended(goal)
		}},
		{pb.IntegrityFinding_KIND_SUPPORTS_UNAVAILABLE, func(r *elementRecord) bool {
			return slices.ContainsFunc(r.Msg.Supports, func(s string) bool { return p.unavailable[s] })
		}},
		{pb.IntegrityFinding_KIND_LINK_REQUEST_UNANSWERED, func(r *elementRecord) bool { return p.waiting[r.id] }},
		{pb.IntegrityFinding_KIND_CHECK_IN_LATE, func(r *elementRecord) bool {
			due := checkInDue(r.Msg)
			return due != nil && !finished(r) && due.AsTime().Before(p.at)
		}},
	}
	recs := slices.SortedFunc(slices.Values(p.recs), func(a, b *elementRecord) int { return strings.Compare(a.id, b.id) })
	var out []*pb.IntegrityFinding
	for _, c := range checks {
		for _, r := range recs {
			if c.fails(r) {
				out = append(out, &pb.IntegrityFinding{Kind: c.kind, Element: r.Msg.Name, Title: r.Msg.Title})
			}
		}
	}
	return out
}

// planNow is orgID's plan as it stands, for the integrity report.
func planNow(ctx context.Context, q sqldb.Querier, orgID string) (planState, error) {
	p := planState{at: time.Now()}
	var err error
	if p.recs, err = liveTree(ctx, q, orgID, ""); err != nil {
		return p, err
	}
	if p.measured, err = idSet(ctx, q, "measured elements", "SELECT element_id FROM element_kpis WHERE organisation_id = ?", orgID); err != nil {
		return p, err
	}
	if p.unavailable, err = idSet(ctx, q, "supported elements", `SELECT 'organisations/' || t.organisation_id || '/elements/' || t.id
		FROM element_supports s JOIN elements t ON t.organisation_id = s.supported_organisation_id AND t.id = s.supported_id
		WHERE s.organisation_id = ? AND s.supported_organisation_id <> s.organisation_id AND (t.delete_time IS NOT NULL OR t.status IN (?, ?))`,
		orgID, int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED)); err != nil {
		return p, err
	}
	p.waiting, err = waitingAt(ctx, q, orgID, p.at)
	return p, err
}

// planAt is orgID's plan as it stood at at, for the integrity report: its
// elements from their history, the KPIs that stood then (kpis, the KPI
// service's history), and other organisations' elements as they stood.
func (h *elementsHandler) planAt(ctx context.Context, orgID string, at time.Time) (planState, error) {
	p := planState{at: at, measured: map[string]bool{}, unavailable: map[string]bool{}}
	var err error
	if p.recs, err = elementsAsOf(ctx, h.elements, orgID, at); err != nil {
		return p, err
	}
	kpis, err := h.kpis.KPIsAt(ctx, orgID, at)
	if err != nil {
		return p, err
	}
	for _, k := range kpis {
		p.measured[path.Base(k.Element)] = true
	}
	for _, r := range p.recs {
		for _, s := range r.Msg.Supports {
			if strings.HasPrefix(s, "organisations/"+orgID+"/") {
				continue
			}
			t, err := h.elements.GetAt(ctx, s, timestamppb.New(at))
			switch {
			case errors.Is(err, resource.ErrNotFound) || status.Code(err) == codes.NotFound:
				p.unavailable[s] = true
			case err != nil:
				return p, err
			default:
				p.unavailable[s] = t.DeleteTime != nil || t.Status == pb.Status_STATUS_DONE || t.Status == pb.Status_STATUS_DROPPED
			}
		}
	}
	p.waiting, err = waitingAt(ctx, h.db, orgID, at)
	return p, err
}

// waitingAt returns the ids of orgID's elements with a link request that,
// at at, had waited unanswered for longer than unansweredAfter.
func waitingAt(ctx context.Context, q sqldb.Querier, orgID string, at time.Time) (map[string]bool, error) {
	return idSet(ctx, q, "link requests", `SELECT target_id FROM link_requests WHERE organisation_id = ? AND create_time < ?
		AND (decide_time IS NULL OR decide_time > ?)`, orgID, at.Add(-unansweredAfter).UnixMicro(), at.UnixMicro())
}

// idSet is the set of strings a one-column query selects.
func idSet(ctx context.Context, q sqldb.Querier, what, query string, args ...any) (map[string]bool, error) {
	ids, err := sqldb.Select(ctx, q, what, func(s sqldb.Scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, query, args...)
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

package planning_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

// testRollupCounts: the aggregates a roll-up reads instead of its inputs
// (migration 0006) follow every kind of write — creates, progress and
// status changes, moves to another parent, deletions with force and
// undeletions, defining objectives, supports, KPI statuses — through a seeded random walk; after
// it, every element's counts and progress equal a recount of its inputs,
// and every supports row carries its supporter's health.
func (e *env) testRollupCounts(t *testing.T) {
	c := ctx(t)
	org := e.org(t, "counted")
	team := e.team(t, org, "board", "")
	start, end := day(2020, 1, 1), day(2030, 12, 31)
	// The walk does not track what went with a deleted element: changing
	// it, or linking to it, is refused, which is no failure.
	refused := func(what string, err error) bool {
		code := status.Code(err)
		if code != codes.OK && code != codes.NotFound && code != codes.FailedPrecondition {
			t.Fatalf("%s: %v", what, err)
		}
		return code != codes.OK
	}
	byLevel := map[pb.Level][]string{}
	mk := func(id string, level pb.Level, kind pb.ObjectiveKind, parent, goal string, progress int32) string {
		got, err := e.create(t, org, el{id: id, level: level, kind: kind, title: id, team: team, parent: parent, thematicGoal: goal,
			start: start, end: end, status: pb.Status_STATUS_ACTIVE, progress: progress})
		if refused("create "+id, err) {
			return ""
		}
		byLevel[level] = append(byLevel[level], got.Name)
		return got.Name
	}
	vision := mk("vision", pb.Level_LEVEL_VISION, 0, "", "", 0)
	mission := mk("mission", pb.Level_LEVEL_MISSION, 0, vision, "", 0)
	goal := mk("goal", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL, mission, "", 0)
	var deleted []string
	sent := map[string]kpipb.KpiStatus{} // the last status sent, by KPI id
	rng := rand.New(rand.NewPCG(17, 17))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	update := func(name string, paths []string, change *pb.Element) {
		change.Name = name
		_, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: change, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		refused(fmt.Sprintf("update %s %v", name, paths), err)
	}
	for i := range 120 {
		objectives, strategies, tactics := byLevel[pb.Level_LEVEL_OBJECTIVE], byLevel[pb.Level_LEVEL_STRATEGY], byLevel[pb.Level_LEVEL_TACTIC]
		switch op := rng.IntN(10); {
		case op == 0 || len(strategies) == 0:
			id := fmt.Sprintf("o%d", i)
			kind, g := pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING, ""
			if rng.IntN(2) == 0 {
				kind, g = pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, goal
			}
			mk("s"+id, pb.Level_LEVEL_STRATEGY, 0, mk(id, pb.Level_LEVEL_OBJECTIVE, kind, mission, g, 0), "", 0)
		case op == 1:
			mk(fmt.Sprintf("s%d", i), pb.Level_LEVEL_STRATEGY, 0, pick(objectives), "", 0)
		case op == 2 || len(tactics) == 0:
			mk(fmt.Sprintf("t%d", i), pb.Level_LEVEL_TACTIC, 0, pick(strategies), "", int32(rng.IntN(101)))
		case op == 3:
			update(pick(tactics), []string{"progress"}, &pb.Element{Progress: int32(rng.IntN(101))})
		case op == 4:
			all := append(append(append([]string{}, objectives[1:]...), strategies...), tactics...)
			st := []pb.Status{pb.Status_STATUS_ACTIVE, pb.Status_STATUS_DROPPED, pb.Status_STATUS_DONE}[rng.IntN(3)]
			update(pick(all), []string{"status"}, &pb.Element{Status: st})
		case op == 5:
			update(pick(tactics), []string{"parent"}, &pb.Element{Parent: pick(strategies)})
		case op == 6:
			victim := pick(append(strategies, tactics...))
			_, err := e.elements.DeleteElement(c, &pb.DeleteElementRequest{Name: victim, Force: true})
			if !refused("delete "+victim, err) {
				deleted = append(deleted, victim)
			}
		case op == 8:
			name := pick(tactics)
			_, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: name, Supports: []string{pick(strategies)}},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}})
			if status.Code(err) != codes.InvalidArgument { // its parent already
				refused("supports of "+name, err)
			}
		case op == 9:
			tactic := pick(tactics)
			st := []kpipb.KpiStatus{kpipb.KpiStatus_KPI_STATUS_RED, kpipb.KpiStatus_KPI_STATUS_AMBER, kpipb.KpiStatus_KPI_STATUS_GREEN}[rng.IntN(3)]
			kpi := "k-" + path.Base(tactic)
			e.kpiEvent(t, fmt.Sprintf("counted-%d", i), &kpipb.KpiStatusChanged{Kpi: org + "/kpis/" + kpi, Element: tactic,
				NewStatus: st, ChangeTime: timestamppb.New(time.Now().Add(time.Duration(i) * time.Second))})
			sent[kpi] = st
		case op == 7 && len(deleted) > 0:
			name := deleted[0]
			_, err := e.elements.UndeleteElement(c, &pb.UndeleteElementRequest{Name: name})
			refused("undelete "+name, err)
			deleted = deleted[1:]
		}
	}

	// KPI statuses arrive as events: wait until each KPI's last is in.
	eventually(t, "the walk's KPI statuses did not arrive", func() bool {
		for kpi, st := range sent {
			var got int32
			if err := e.db.QueryRowContext(c, "SELECT status FROM element_kpis WHERE organisation_id = 'counted' AND kpi_id = ?", kpi).Scan(&got); err != nil || got != int32(st) {
				return false
			}
		}
		return true
	})
	if len(sent) < 5 {
		t.Errorf("the walk sent %d KPI statuses; too few to say much", len(sent))
	}
	if problems := e.recount(t); len(problems) > 0 {
		t.Errorf("after the walk:\n%s", strings.Join(problems, "\n"))
	}
}

// recount compares every live element of organisations/counted with a
// recount of its inputs, and every supports row with its supporter.
func (e *env) recount(t *testing.T) []string {
	const recount = `SELECT e.id, e.inputs_count, e.inputs_progress, e.progress, e.level,
		(SELECT COUNT(*) FROM elements x WHERE x.organisation_id = e.organisation_id AND (x.parent_id = e.id OR x.thematic_goal_id = e.id) AND x.delete_time IS NULL AND x.status <> 5),
		(SELECT COALESCE(SUM(x.progress), 0) FROM elements x WHERE x.organisation_id = e.organisation_id AND (x.parent_id = e.id OR x.thematic_goal_id = e.id) AND x.delete_time IS NULL AND x.status <> 5)
,
		e.health, (SELECT MAX(x.health) FROM elements x WHERE x.organisation_id = e.organisation_id AND (x.parent_id = e.id OR x.thematic_goal_id = e.id) AND x.delete_time IS NULL AND x.status <> 5),
		(SELECT MAX(x.health) FROM element_supports s JOIN elements x ON x.organisation_id = s.organisation_id AND x.id = s.element_id
			WHERE s.supported_organisation_id = e.organisation_id AND s.supported_id = e.id AND x.delete_time IS NULL AND x.status <> 5)
		FROM elements e WHERE e.organisation_id = 'counted' AND e.delete_time IS NULL ORDER BY e.id`
	rows, err := e.db.QueryContext(context.Background(), recount)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var problems []string
	checked := 0
	for rows.Next() {
		var id string
		var count, sum, wantCount, wantSum int64
		var progress, level, health int32
		var below, supporters sql.NullInt32
		if err := rows.Scan(&id, &count, &sum, &progress, &level, &wantCount, &wantSum, &health, &below, &supporters); err != nil {
			t.Fatal(err)
		}
		checked++
		if count != wantCount || sum != wantSum {
			problems = append(problems, fmt.Sprintf("%s: inputs %d with progress %d kept, %d with %d recounted", id, count, sum, wantCount, wantSum))
		}
		if pb.Level(level) != pb.Level_LEVEL_TACTIC && wantCount > 0 && int64(progress) != (wantSum+wantCount/2)/wantCount {
			problems = append(problems, fmt.Sprintf("%s: progress %d, recounted mean %d", id, progress, (wantSum+wantCount/2)/wantCount))
		}
		// Only tactics have KPIs here: the others' health is their inputs'.
		if want := max(int32(pb.Health_HEALTH_UNKNOWN), below.Int32, supporters.Int32); pb.Level(level) != pb.Level_LEVEL_TACTIC && health != want {
			problems = append(problems, fmt.Sprintf("%s: health %v, the worst of its inputs %v", id, pb.Health(health), pb.Health(want)))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 40 {
		problems = append(problems, fmt.Sprintf("the walk left %d live elements; too few to say much", checked))
	}
	var stale int
	if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM element_supports s JOIN elements x
		ON x.organisation_id = s.organisation_id AND x.id = s.element_id
		WHERE s.health <> CASE WHEN x.delete_time IS NULL AND x.status <> 5 THEN x.health ELSE 0 END`).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		problems = append(problems, fmt.Sprintf("%d supports rows carry another health than their supporter's", stale))
	}
	return problems
}

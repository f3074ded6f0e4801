package planning_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
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
	// horizonOf is the horizon of the element called name.
	horizonOf := func(name string) (string, string) {
		got, err := e.elements.GetElement(c, &pb.GetElementRequest{Name: name})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return dates.Format(got.StartDate), dates.Format(got.EndDate)
	}
	// within is the horizon a new element under parent (and goal) may
	// have: theirs, as the walk may have moved them.
	within := func(parent, goal string) (*date.Date, *date.Date) {
		from, to := dates.Format(start), dates.Format(end)
		for _, above := range []string{parent, goal} {
			if above != "" {
				lo, hi := horizonOf(above)
				from, to = max(from, lo), min(to, hi)
			}
		}
		return dates.Parse(from), dates.Parse(to)
	}
	mk := func(id string, level pb.Level, kind pb.ObjectiveKind, parent, goal string, progress int32) string {
		from, to := within(parent, goal)
		got, err := e.create(t, org, el{id: id, level: level, kind: kind, title: id, team: team, parent: parent, thematicGoal: goal,
			start: from, end: to, status: pb.Status_STATUS_ACTIVE, progress: progress})
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
	// firstOutside is, recounted, the first live element (by id) whose
	// parent, or else whose thematic goal, the element id is, outside the
	// horizon from..to: what a change to that horizon must be refused for.
	firstOutside := func(id, from, to string) string {
		for _, link := range []string{"parent_id", "thematic_goal_id"} {
			var first string
			err := e.db.QueryRowContext(c, "SELECT id FROM elements WHERE organisation_id = 'counted' AND "+link+` = ?
				AND delete_time IS NULL AND (start_date < ? OR end_date > ?) ORDER BY id LIMIT 1`, id, from, to).Scan(&first)
			if err == nil {
				return first
			}
			if !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
		}
		return ""
	}
	horizons := 0 // changes of horizon refused for an element outside
	for i := range 150 {
		objectives, strategies, tactics := byLevel[pb.Level_LEVEL_OBJECTIVE], byLevel[pb.Level_LEVEL_STRATEGY], byLevel[pb.Level_LEVEL_TACTIC]
		switch op := rng.IntN(12); {
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
			name := pick(tactics)
			_, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: name, Parent: pick(strategies)},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
			if status.Code(err) != codes.InvalidArgument { // a strategy it supports already
				refused("parent of "+name, err)
			}
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
		case op == 10 || op == 11:
			// A new horizon inside the element's parent's and thematic
			// goal's — the whole of it, or a part — is refused exactly when
			// it would leave a live child or defining objective outside,
			// naming the first; elements keep a bound of their inputs'
			// horizons to tell without reading them.
			name := pick(append(append(append([]string{mission}, objectives...), strategies...), tactics...))
			got, err := e.elements.GetElement(c, &pb.GetElementRequest{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if got.DeleteTime != nil {
				continue
			}
			from, to := within(got.Parent, got.ThematicGoal)
			if rng.IntN(2) == 0 {
				from, to = dates.Of(dates.Time(from).AddDate(0, 0, rng.IntN(900))), dates.Of(dates.Time(to).AddDate(0, 0, -rng.IntN(900)))
				if dates.Format(from) > dates.Format(to) {
					from, to = to, from // still inside the first
				}
			}
			outside := firstOutside(path.Base(name), dates.Format(from), dates.Format(to))
			_, err = e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: name, StartDate: from, EndDate: to},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"start_date", "end_date"}}})
			switch {
			case outside == "" && err != nil:
				t.Errorf("horizon %s to %s of %s, which leaves no element outside: %v", dates.Format(from), dates.Format(to), name, err)
			case outside != "" && (status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "/"+outside+" ")):
				t.Errorf("horizon %s to %s of %s, which leaves %s outside: %v", dates.Format(from), dates.Format(to), name, outside, err)
			case outside != "":
				horizons++
			}
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
	if horizons < 3 {
		t.Errorf("the walk tried %d horizons that left an element outside; too few to say much", horizons)
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
	// The bound of an element's inputs' horizons (migration 0015) holds
	// every element that names it as parent or thematic goal, deleted
	// ones too.
	var unbounded int
	if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM elements x JOIN elements e
		ON e.organisation_id = x.organisation_id AND (e.id = x.parent_id OR e.id = x.thematic_goal_id)
		WHERE x.organisation_id = 'counted' AND (x.start_date < e.inputs_start OR x.end_date > e.inputs_end)`).Scan(&unbounded); err != nil {
		t.Fatal(err)
	}
	if unbounded != 0 {
		problems = append(problems, fmt.Sprintf("%d elements lie outside the bound of their parent's or thematic goal's inputs' horizons", unbounded))
	}
	return append(problems, e.redrive(t)...)
}

// redrive compares the health drivers of every live element of
// organisations/counted with its inputs recounted: the first five by name
// of those whose health is the element's own, when it is theirs.
func (e *env) redrive(t *testing.T) []string {
	ctx := context.Background()
	type row struct {
		id, parent, goal, drivers string
		health                    pb.Health
		live, counts              bool
	}
	all := map[string]row{}
	rows, err := e.db.QueryContext(ctx, `SELECT id, parent_id, thematic_goal_id, health_drivers, health, delete_time IS NULL,
		delete_time IS NULL AND status <> 5 FROM elements WHERE organisation_id = 'counted'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		var health int32
		if err := rows.Scan(&r.id, &r.parent, &r.goal, &r.drivers, &health, &r.live, &r.counts); err != nil {
			t.Fatal(err)
		}
		r.health = pb.Health(health)
		all[r.id] = r
	}
	rows.Close()
	type driver struct {
		Element string `json:"e"`
		Link    int32  `json:"l"`
		Health  int32  `json:"h"`
	}
	worstOf := map[string][]driver{} // by element: its inputs with the worst health of them
	add := func(above string, d driver) {
		ds := worstOf[above]
		switch {
		case len(ds) == 0 || d.Health > ds[0].Health:
			worstOf[above] = []driver{d}
		case d.Health == ds[0].Health:
			worstOf[above] = append(ds, d)
		}
	}
	for _, r := range all {
		if !r.counts {
			continue
		}
		name := "organisations/counted/elements/" + r.id
		if r.parent != "" {
			add(r.parent, driver{name, int32(pb.LinkKind_LINK_KIND_PARENT), int32(r.health)})
		}
		if r.goal != "" {
			add(r.goal, driver{name, int32(pb.LinkKind_LINK_KIND_THEMATIC_GOAL), int32(r.health)})
		}
	}
	supports, err := e.db.QueryContext(ctx, "SELECT element_id, supported_id FROM element_supports WHERE organisation_id = 'counted'")
	if err != nil {
		t.Fatal(err)
	}
	for supports.Next() {
		var from, to string
		if err := supports.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		if r := all[from]; r.counts {
			add(to, driver{"organisations/counted/elements/" + from, int32(pb.LinkKind_LINK_KIND_SUPPORTS), int32(r.health)})
		}
	}
	supports.Close()
	var problems []string
	driven := 0
	for id, r := range all {
		if !r.live {
			continue
		}
		want := worstOf[id]
		if len(want) == 0 || pb.Health(want[0].Health) != r.health || r.health <= pb.Health_HEALTH_UNKNOWN {
			want = nil
		}
		if len(want) > 0 {
			driven++
		}
		slices.SortFunc(want, func(a, b driver) int { return strings.Compare(a.Element, b.Element) })
		want = want[:min(len(want), 5)]
		var got []driver
		if r.drivers != "" {
			if err := json.Unmarshal([]byte(r.drivers), &got); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("%s (%v): drivers %v, recounted %v", id, r.health, got, want))
		}
	}
	if driven < 5 {
		problems = append(problems, fmt.Sprintf("the walk left %d elements with health drivers; too few to say much", driven))
	}
	return problems
}

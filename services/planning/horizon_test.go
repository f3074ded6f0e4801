package planning

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestChecksReadThroughIndexes: the checks a change runs against other
// elements — the first child or defining objective outside a new horizon,
// the first defining objective naming a thematic goal, another thematic
// goal of the team — read the element's own children, defining objectives
// or the team's thematic goals through an index, in id order; an undelete
// reads what the forced deletion took through one too. SQLite
// without statistics otherwise preferred the primary key's order, which
// reads every element of the organisation to find none (the PostgreSQL
// planner decides by its statistics, so this asks SQLite only).
func TestChecksReadThroughIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, sqldbtest.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	own, _ := fs.Sub(migrationFiles, "migrations")
	if err := db.Migrate(ctx, "idempotency", idempotency.Migrations); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, serviceName, own); err != nil {
		t.Fatal(err)
	}
	type query struct {
		name, where, index string
		// sorts says the query may sort what the index finds: the few
		// elements one deletion took, by level.
		sorts bool
	}
	queries := []query{
		{"another thematic goal of the team", firstLiveWhere(overlappingWhere), "elements_team_goals", false},
		{"what a forced deletion took", takenWithWhere, "elements_taken_with", true},
	}
	for _, d := range []struct {
		which       dependants
		name, index string
	}{
		{namingDefiningObjectives, "defining objectives naming a thematic goal", "elements_thematic_goal"},
		{childrenOutside, "children outside a horizon", "elements_parent"},
		{definingObjectivesOutside, "defining objectives outside a horizon", "elements_thematic_goal"},
	} {
		where, err := dependantsWhere(d.which)
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, query{d.name, firstLiveWhere(where), d.index, false})
	}
	for _, q := range queries {
		args := make([]any, strings.Count(q.where, "?"))
		for i := range args {
			args[i] = "x"
		}
		got := sqldbtest.QueryPlan(t, db, "SELECT "+elementColumns+" FROM elements WHERE "+q.where, args...)
		if !strings.Contains(got, "INDEX "+q.index+" ") || strings.Contains(got, "TEMP B-TREE") && !q.sorts {
			t.Errorf("%s: plan %q; want a search of %s, in its order", q.name, got, q.index)
		}
	}
}

// TestInputsHorizonBackfill: a plan stored before elements kept the bound
// of their inputs' horizons (migration 0015) gets it from its children and
// defining objectives, deleted ones too, and no bound where there are none.
func TestInputsHorizonBackfill(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, upgrade := sqldbtest.Upgrade(t, dsn, serviceName, migrationFiles, "0015")
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, e := range []struct {
				id, parent, goal string
				level            pb.Level
				kind             pb.ObjectiveKind
				start, end       string
				deleted          bool
			}{
				{"vision", "", "", pb.Level_LEVEL_VISION, 0, "2020-01-01", "2035-12-31", false},
				{"mission", "vision", "", pb.Level_LEVEL_MISSION, 0, "2021-01-01", "2030-12-31", false},
				{"goal", "mission", "", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL, "2022-01-01", "2028-12-31", false},
				{"definer", "mission", "goal", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, "2023-06-01", "2027-12-31", false},
				{"strategy", "goal", "", pb.Level_LEVEL_STRATEGY, 0, "2022-03-01", "2026-12-31", false},
				{"gone", "goal", "", pb.Level_LEVEL_STRATEGY, 0, "2024-01-01", "2028-06-30", true},
			} {
				r := &elementRecord{Stored: resource.Hold(&pb.Element{
					Name: elementName("org", e.id), Level: e.level, ObjectiveKind: e.kind, Title: e.id, OwnerTeam: teamName("org", "team"),
					Status: pb.Status_STATUS_ACTIVE, StartDate: dates.Parse(e.start), EndDate: dates.Parse(e.end)}),
					orgID: "org", id: e.id, parentID: e.parent, thematicGoal: e.goal, ownerTeamID: "team"}
				resource.Begin(r, auth.Actor(ctx, serviceName))
				if e.deleted {
					r.Msg.DeleteTime = r.Msg.UpdateTime
				}
				// As the release before stored them: its columns only.
				if err := elementRows.Insert(ctx, tx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		upgrade()
		for id, want := range map[string][2]string{
			"vision":   {"2021-01-01", "2030-12-31"},
			"mission":  {"2022-01-01", "2028-12-31"},
			"goal":     {"2022-03-01", "2028-06-30"}, // its strategies, the deleted one too, and its defining objective
			"definer":  {"", ""},
			"strategy": {"", ""},
		} {
			start, end, err := inputsHorizon(ctx, db, "org", id)
			if err != nil {
				t.Fatal(err)
			}
			if start != want[0] || end != want[1] {
				t.Errorf("%s: inputs from %q to %q, want %q to %q", id, start, end, want[0], want[1])
			}
		}
	})
}

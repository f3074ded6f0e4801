package planning

import (
	"context"
	"strings"
	"testing"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestRollupInputsBackfill: a plan stored before the roll-up kept its
// aggregates (migration 0006) gets them counted, and its supports rows
// their supporters' health: live and not dropped inputs only.
func TestRollupInputsBackfill(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, upgrade := sqldbtest.Upgrade(t, dsn, serviceName, migrationFiles, "0006")
		// The rows as the release before stored them, without the columns
		// migration 0006 added.
		columns, _, _ := strings.Cut(elementColumns, ", health_change_time")
		before := resource.Table[*elementRecord]{Name: "elements", Columns: columns,
			Values: func(r *elementRecord) ([]any, error) { return r.values()[:strings.Count(columns, ",")+1], nil }}
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			for _, e := range []struct {
				id, parent string
				level      pb.Level
				status     pb.Status
				progress   int32
				health     pb.Health
			}{
				{"vision", "", pb.Level_LEVEL_VISION, pb.Status_STATUS_ACTIVE, 0, pb.Health_HEALTH_UNKNOWN},
				{"mission", "vision", pb.Level_LEVEL_MISSION, pb.Status_STATUS_ACTIVE, 30, pb.Health_HEALTH_AT_RISK},
				{"a", "mission", pb.Level_LEVEL_OBJECTIVE, pb.Status_STATUS_ACTIVE, 20, pb.Health_HEALTH_ON_TRACK},
				{"b", "mission", pb.Level_LEVEL_OBJECTIVE, pb.Status_STATUS_DONE, 40, pb.Health_HEALTH_AT_RISK},
				{"dropped", "mission", pb.Level_LEVEL_OBJECTIVE, pb.Status_STATUS_DROPPED, 90, pb.Health_HEALTH_OFF_TRACK},
			} {
				r := &elementRecord{Stored: resource.Hold(&pb.Element{
					Name: elementName("org", e.id), Level: e.level, Title: e.id, OwnerTeam: teamName("org", "team"), Status: e.status,
					StartDate: dates.Parse("2026-01-01"), EndDate: dates.Parse("2030-12-31"), Progress: e.progress, Health: e.health}), orgID: "org", id: e.id, parentID: e.parent, ownerTeamID: "team"}
				resource.Begin(r, auth.Actor(ctx, serviceName))
				if err := before.Insert(ctx, tx, r); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO element_supports (organisation_id, element_id, supported_organisation_id, supported_id)
				VALUES ('org', 'b', 'org', 'vision'), ('org', 'dropped', 'org', 'vision')`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		upgrade()
		for id, want := range map[string]inputs{
			"vision":  {count: 1, progressSum: 30, worst: pb.Health_HEALTH_AT_RISK},
			"mission": {count: 2, progressSum: 60, worst: pb.Health_HEALTH_AT_RISK},
			"a":       {},
		} {
			got, err := inputsOf(ctx, db, "org", id)
			if err != nil {
				t.Fatal(err)
			}
			if got.count != want.count || got.progressSum != want.progressSum || got.worst != want.worst {
				t.Errorf("%s after the migration: %d inputs, progress %d, worst %v; want %d, %d, %v",
					id, got.count, got.progressSum, got.worst, want.count, want.progressSum, want.worst)
			}
		}
	})
}

package planning_test

import (
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestHorizonBound: an element keeps a bound of its children's and
// defining objectives' horizons, so that a new horizon around it reads
// none of them. The bound follows each of them as it widens, and stays
// wide when they narrow or go: a horizon that cuts into it then finds
// exactly the elements outside, as before — the first by id, live ones
// only — and none where none is.
func TestHorizonBound(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			e := start(t, dsn, b)
			org := e.org(t, "bounded")
			team := e.team(t, org, "board", "")
			y := func(year, month int32) *date.Date { return day(year, month, 1) }
			mk := func(id string, level pb.Level, kind pb.ObjectiveKind, parent, goal string, from, to *date.Date) string {
				return e.mustCreate(t, org, el{id: id, level: level, kind: kind, title: id, team: team, parent: parent, thematicGoal: goal,
					start: from, end: to, status: pb.Status_STATUS_ACTIVE}).Name
			}
			horizon := func(name string, from, to *date.Date) error {
				_, err := e.elements.UpdateElement(ctx(t), &pb.UpdateElementRequest{Element: &pb.Element{Name: name, StartDate: from, EndDate: to},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"start_date", "end_date"}}})
				return err
			}
			ok := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			outside := func(what string, err error, first string) {
				t.Helper()
				if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), first+" (") {
					t.Fatalf("%s: %v; want FAILED_PRECONDITION naming %s", what, err, first)
				}
			}
			vision := mk("vision", pb.Level_LEVEL_VISION, 0, "", "", y(2020, 1), y(2030, 1))
			mission := mk("mission", pb.Level_LEVEL_MISSION, 0, vision, "", y(2020, 1), y(2030, 1))
			objective := mk("objective", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING, mission, "", y(2020, 1), y(2030, 1))
			strategy := mk("strategy", pb.Level_LEVEL_STRATEGY, 0, objective, "", y(2020, 1), y(2030, 1))

			ok("narrow the childless strategy", horizon(strategy, y(2024, 1), y(2026, 1)))
			tb := mk("b", pb.Level_LEVEL_TACTIC, 0, strategy, "", y(2024, 1), y(2026, 1))
			ok("widen the strategy around its tactic", horizon(strategy, y(2020, 1), y(2030, 1)))
			ok("widen the tactic inside it", horizon(tb, y(2021, 1), y(2029, 1)))
			outside("narrow the strategy into the widened tactic", horizon(strategy, y(2023, 1), y(2027, 1)), tb)
			ta := mk("a", pb.Level_LEVEL_TACTIC, 0, strategy, "", y(2022, 1), y(2028, 1))
			outside("narrow the strategy into both tactics", horizon(strategy, y(2023, 1), y(2027, 1)), ta)
			ok("narrow a tactic", horizon(ta, y(2024, 1), y(2026, 1)))
			ok("narrow a tactic", horizon(tb, y(2024, 1), y(2026, 1)))
			ok("narrow the strategy around its narrowed tactics", horizon(strategy, y(2023, 1), y(2027, 1)))
			ok("widen a tactic", horizon(ta, y(2023, 1), y(2027, 1)))
			if _, err := e.elements.DeleteElement(ctx(t), &pb.DeleteElementRequest{Name: ta}); err != nil {
				t.Fatal(err)
			}
			ok("narrow the strategy past its deleted tactic", horizon(strategy, y(2024, 1), y(2026, 1)))

			// A tactic moved in from another strategy widens the bound of
			// its new parent.
			other := mk("other", pb.Level_LEVEL_STRATEGY, 0, objective, "", y(2020, 1), y(2030, 1))
			tc := mk("c", pb.Level_LEVEL_TACTIC, 0, other, "", y(2021, 1), y(2029, 1))
			ok("widen the strategy", horizon(strategy, y(2020, 1), y(2030, 1)))
			_, err := e.elements.UpdateElement(ctx(t), &pb.UpdateElementRequest{Element: &pb.Element{Name: tc, Parent: strategy},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
			ok("move a wide tactic under the strategy", err)
			outside("narrow the strategy into the moved tactic", horizon(strategy, y(2023, 1), y(2027, 1)), tc)
			ok("narrow the strategy it left", horizon(other, y(2025, 1), y(2025, 6)))

			// A thematic goal's defining objectives are held too.
			goal := mk("goal", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL, mission, "", y(2020, 1), y(2030, 1))
			definer := mk("definer", pb.Level_LEVEL_OBJECTIVE, pb.ObjectiveKind_OBJECTIVE_KIND_DEFINING_OBJECTIVE, mission, goal, y(2021, 1), y(2029, 1))
			outside("narrow the thematic goal into its defining objective", horizon(goal, y(2022, 1), y(2028, 1)), definer)
			ok("widen the thematic goal", horizon(goal, y(2020, 6), y(2030, 1)))
		})
	})
}

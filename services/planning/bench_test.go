package planning

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// benchPlan is a plan of about n elements: a vision, 10 missions, 10
// objectives under each, 10 strategies under each objective, and the rest
// tactics spread evenly under the strategies.
type benchPlan struct {
	db      *sqldb.DB
	em      emitter
	orgID   string
	tactics []string
	// tacticHorizon, when set, is the start and end of the tactics insert
	// makes (the others' is 2026-01-01 to 2030-12-31).
	tacticHorizon [2]string
}

func newBenchPlan(b *testing.B, n int) *benchPlan {
	b.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, "outbox", outbox.Migrations); err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx, "inbox", events.Migrations); err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx, "idempotency", idempotency.Migrations); err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx, "history", history.Migrations); err != nil { // the write benchmarks record revisions
		b.Fatal(err)
	}
	own, _ := fs.Sub(migrationFiles, "migrations")
	if err := db.Migrate(ctx, "planning", own); err != nil {
		b.Fatal(err)
	}
	p := &benchPlan{db: db, orgID: "bench",
		em: newEmitter(outbox.Emitter{Prefix: "bench", Service: serviceName,
			Outbox: outbox.New(db, events.ServiceSource(serviceName), events.ServiceStream("bench", serviceName, 1, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))}.Emit,
			func() {})}
	// Above the tactics: 1 vision, then 10, 100 and 1000 elements per
	// level for 10,000 elements or more, fewer for smaller plans.
	levels := []struct {
		level pb.Level
		count int
	}{{pb.Level_LEVEL_VISION, 1}, {pb.Level_LEVEL_MISSION, 10}, {pb.Level_LEVEL_OBJECTIVE, 100}, {pb.Level_LEVEL_STRATEGY, 1000}}
	used := 0
	for i := range levels {
		if n < 10000 && i > 0 {
			levels[i].count = max(1, levels[i].count*n/10000)
		}
		used += levels[i].count
	}
	err = db.InTx(ctx, func(tx *sqldb.Tx) error {
		var parents []string
		for _, l := range levels {
			var ids []string
			for i := range l.count {
				id := fmt.Sprintf("%s-%06d", l.level, i) // fixed width: rows of every plan size are alike
				parent := ""
				if len(parents) > 0 {
					parent = parents[i%len(parents)]
				}
				if err := p.insert(ctx, tx, id, l.level, parent); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			parents = ids
		}
		for i := 0; used+i < n; i++ {
			id := fmt.Sprintf("tactic-%06d", i)
			if err := p.insert(ctx, tx, id, pb.Level_LEVEL_TACTIC, parents[i%len(parents)]); err != nil {
				return err
			}
			p.tactics = append(p.tactics, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func (p *benchPlan) insert(ctx context.Context, tx *sqldb.Tx, id string, level pb.Level, parent string) error {
	r := &elementRecord{Stored: resource.Hold(&pb.Element{
		Name: elementName(p.orgID, id), Level: level, Title: id, OwnerTeam: teamName(p.orgID, "team"),
		StartDate: dates.Parse("2026-01-01"), EndDate: dates.Parse("2030-12-31"), Status: pb.Status_STATUS_ACTIVE,
		Health: pb.Health_HEALTH_UNKNOWN, KpiHealth: pb.Health_HEALTH_UNKNOWN}), orgID: p.orgID, id: id, parentID: parent, ownerTeamID: "team"}
	if level == pb.Level_LEVEL_TACTIC && p.tacticHorizon[0] != "" {
		r.Msg.StartDate, r.Msg.EndDate = dates.Parse(p.tacticHorizon[0]), dates.Parse(p.tacticHorizon[1])
	}
	if level == pb.Level_LEVEL_OBJECTIVE {
		r.Msg.ObjectiveKind = pb.ObjectiveKind_OBJECTIVE_KIND_STANDARD_OPERATING
	}
	resource.Begin(r, auth.Actor(context.Background(), serviceName))
	return insertElement(ctx, tx, r)
}

// BenchmarkElementTree reads a whole plan with its roll-ups, as
// GetElementTree does: time and memory should grow linearly with its size.
func BenchmarkElementTree(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("elements=%d", n), func(b *testing.B) {
			p := newBenchPlan(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				recs, err := liveTree(ctx, p.db, p.orgID, "")
				if err != nil {
					b.Fatal(err)
				}
				if tree := buildTree(recs, "", nil); len(tree.Roots) != 1 {
					b.Fatalf("%d roots", len(tree.Roots))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
		})
	}
}

// BenchmarkRollupAfterKPIChange changes one KPI's status in a plan of
// 100,000 elements and rolls it up, as the KPI consumer does: it touches
// only the element's ancestors (reported as elements/op, at most 5).
func BenchmarkRollupAfterKPIChange(b *testing.B) {
	p := newBenchPlan(b, 100000)
	ctx := context.Background()
	statuses := []kpipb.KpiStatus{kpipb.KpiStatus_KPI_STATUS_RED, kpipb.KpiStatus_KPI_STATUS_GREEN}
	var touched int
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		tactic := p.tactics[(i*7919)%len(p.tactics)]
		err := p.db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, _, err := upsertKPI(ctx, tx, p.orgID, "kpi-"+tactic, tactic, statuses[i%2], time.Now().UnixMicro()); err != nil {
				return err
			}
			before := countHealthEvents(ctx, tx)
			if err := refresh(ctx, tx, p.em, p.orgID, tactic, "kpi"); err != nil {
				return err
			}
			touched += countHealthEvents(ctx, tx) - before
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(touched)/float64(b.N), "elements/op")
}

func countHealthEvents(ctx context.Context, q sqldb.Querier) int {
	var n int
	_ = q.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox").Scan(&n)
	return n
}

// BenchmarkCreateUnderWideParent adds a tactic under a strategy that has
// 10, 1,000 or 10,000 already and rolls it up, as CreateElement does: the
// roll-up reads aggregates, so the time per create should not grow with
// the siblings.
func BenchmarkCreateUnderWideParent(b *testing.B) {
	for _, siblings := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("siblings=%d", siblings), func(b *testing.B) {
			p := newBenchPlan(b, 4) // a vision, a mission, an objective, a strategy
			ctx := context.Background()
			strategy := fmt.Sprintf("%s-%06d", pb.Level_LEVEL_STRATEGY, 0)
			add := func(tx *sqldb.Tx, id string) error {
				if err := p.insert(ctx, tx, id, pb.Level_LEVEL_TACTIC, strategy); err != nil {
					return err
				}
				return refresh(ctx, tx, p.em, p.orgID, strategy, id)
			}
			if err := p.db.InTx(ctx, func(tx *sqldb.Tx) error {
				for i := range siblings {
					if err := add(tx, fmt.Sprintf("sibling-%06d", i)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := p.db.InTx(ctx, func(tx *sqldb.Tx) error { return add(tx, fmt.Sprintf("new-%06d", i)) }); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkPublishedPlan reads a published plan of 1,000 elements as
// anyone does (GetPublishedPlan): the public page's read, which make bench
// adds to the page's rendering.
func BenchmarkPublishedPlan(b *testing.B) {
	p := newBenchPlan(b, 1000)
	ctx := context.Background()
	h := &publicationHandler{publications: resource.Engine[*publicationRecord, *pb.Publication]{DB: p.db, Type: publicationType}}
	name := publicationType.Name(p.orgID)
	err := p.db.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := savePublication(ctx, tx, &publicationRecord{orgID: p.orgID, Stored: resource.Stored[*pb.Publication]{Rev: 1,
			Msg: &pb.Publication{Name: name, Published: true, DisplayName: "Bench", UpdateTime: resource.Now()}}})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		plan, err := h.GetPublishedPlan(ctx, &pb.GetPublishedPlanRequest{Name: name})
		if err != nil || len(plan.Elements) < 1000 {
			b.Fatalf("%d elements, %v", len(plan.GetElements()), err)
		}
	}
}

package planning

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// liveTeams is a teams directory in which every team is live and the
// caller leads none: a planner's writes ask nothing more of it.
type liveTeams struct{}

func (liveTeams) RequireLiveTeam(context.Context, string, string) error  { return nil }
func (liveTeams) IsMember(context.Context, string, string) (bool, error) { return false, nil }
func (liveTeams) Remit(context.Context, string, string) ([]string, error) {
	return nil, nil
}

// benchHandler is the elements handler over p's database, called by a
// planner of p's organisation: the service's whole write path (the engine,
// the plan's hooks, history, the outbox, the commit) without the network.
func (p *benchPlan) benchHandler() (*elementsHandler, context.Context) {
	h := &elementsHandler{db: p.db, events: p.em, teams: liveTeams{},
		elements: resource.Engine[*elementRecord, *pb.Element]{DB: p.db, Service: serviceName, Field: "element", Type: elementType, Events: p.em}}
	ctx := auth.NewContext(context.Background(), &auth.Principal{Subject: "token:bench",
		Roles: map[string]identitypb.Role{p.orgID: identitypb.Role_ROLE_PLANNER}})
	return h, ctx
}

// newWidePlan is a plan of one thread — a vision, a mission, an
// objective, a strategy — with siblings tactics under the strategy, and
// the strategy's name.
func newWidePlan(b *testing.B, siblings int) (*benchPlan, string) {
	return newWidePlanOf(b, siblings, [2]string{})
}

// newWidePlanOf is newWidePlan with the tactics' horizon (start and end;
// none: that of the elements above).
func newWidePlanOf(b *testing.B, siblings int, tacticHorizon [2]string) (*benchPlan, string) {
	p := newBenchPlan(b, 4) // its ids are not valid names: a thread of its own
	p.tacticHorizon = tacticHorizon
	ctx := context.Background()
	strategy := "strategy"
	err := p.db.InTx(ctx, func(tx *sqldb.Tx) error {
		parent := ""
		for _, l := range []pb.Level{pb.Level_LEVEL_VISION, pb.Level_LEVEL_MISSION, pb.Level_LEVEL_OBJECTIVE, pb.Level_LEVEL_STRATEGY} {
			id := strings.ToLower(strings.TrimPrefix(l.String(), "LEVEL_"))
			if err := p.insert(ctx, tx, id, l, parent); err != nil {
				return err
			}
			parent = id
		}
		for i := range siblings {
			id := fmt.Sprintf("tactic-%06d", i)
			if err := p.insert(ctx, tx, id, pb.Level_LEVEL_TACTIC, strategy); err != nil {
				return err
			}
			p.tactics = append(p.tactics, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return p, elementName(p.orgID, strategy)
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine it says what a write costs better than the time it takes.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// walFrames is how many pages the write-ahead log holds now.
func (p *benchPlan) walFrames(b *testing.B) int {
	var busy, frames, copied int
	if err := p.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		b.Fatal(err)
	}
	return frames
}

// measureCalls makes call once, which prepares its statements, then b.N
// times (i counts the calls from 0), and reports its CPU time per call
// (cpu-ns/op) and, given walFrames, the write-ahead log pages its commits
// wrote per call (wal-pages/op).
func measureCalls(b *testing.B, walFrames func(*testing.B) int, call func(i int) error) {
	i := 0
	do := func() {
		if err := call(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	do()
	var frames int
	if walFrames != nil {
		frames = walFrames(b)
	}
	cpu := cpuTime(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		do()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	if walFrames != nil {
		b.ReportMetric(float64(walFrames(b)-frames)/float64(b.N), "wal-pages/op")
	}
}

// BenchmarkCreateElementCall creates tactics through the handler under a
// strategy of 10, 1,000 or 10,000: what a CreateElement costs the planning
// service, and the pages its commit writes (wal-pages/op), should not grow
// with the siblings.
func BenchmarkCreateElementCall(b *testing.B) {
	for _, siblings := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("siblings=%d", siblings), func(b *testing.B) {
			p, strategy := newWidePlan(b, siblings)
			h, ctx := p.benchHandler()
			measureCalls(b, p.walFrames, func(i int) error {
				_, err := h.CreateElement(ctx, &pb.CreateElementRequest{Parent: "organisations/" + p.orgID, ElementId: fmt.Sprintf("new-%06d", i),
					Element: &pb.Element{Level: pb.Level_LEVEL_TACTIC, Title: fmt.Sprintf("New tactic %d", i), OwnerTeam: teamName(p.orgID, "team"),
						Parent: strategy, StartDate: dates.Parse("2026-01-01"), EndDate: dates.Parse("2030-12-31"), Status: pb.Status_STATUS_ACTIVE}})
				return err
			})
		})
	}
}

// BenchmarkUpdateElementCall changes a tactic's progress under a strategy
// of 10, 1,000 or 10,000 tactics, which rolls up to every ancestor.
func BenchmarkUpdateElementCall(b *testing.B) {
	for _, siblings := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("siblings=%d", siblings), func(b *testing.B) {
			p, _ := newWidePlan(b, siblings)
			h, ctx := p.benchHandler()
			name := elementName(p.orgID, p.tactics[len(p.tactics)/2])
			measureCalls(b, nil, func(i int) error {
				_, err := h.UpdateElement(ctx, &pb.UpdateElementRequest{Element: &pb.Element{Name: name, Progress: int32(i % 101)},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"progress"}}})
				return err
			})
		})
	}
}

// BenchmarkHorizonChange moves the horizon of a strategy of 10, 1,000 or
// 10,000 tactics back and forth, never cutting into theirs: the check that
// leaves none of them outside should not read them.
func BenchmarkHorizonChange(b *testing.B) {
	for _, siblings := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("siblings=%d", siblings), func(b *testing.B) {
			p, strategy := newWidePlanOf(b, siblings, [2]string{"2027-01-01", "2029-12-31"})
			h, ctx := p.benchHandler()
			horizons := [][2]string{{"2026-06-01", "2030-06-30"}, {"2026-01-01", "2030-12-31"}}
			measureCalls(b, nil, func(i int) error {
				hz := horizons[i%2]
				_, err := h.UpdateElement(ctx, &pb.UpdateElementRequest{
					Element:    &pb.Element{Name: strategy, StartDate: dates.Parse(hz[0]), EndDate: dates.Parse(hz[1])},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"start_date", "end_date"}}})
				return err
			})
		})
	}
}

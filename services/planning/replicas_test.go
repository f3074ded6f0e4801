package planning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// testReplicas runs a second planning service on the same database, so
// that the two share the durable consumer of the KPI stream, and sends
// them status changes of three KPIs on two sibling tactics at once. Each
// replica's roll-up reads the other tactic's health; without the plan's
// lock, two replicas rolling up at the same moment on PostgreSQL each miss
// the other's change. Every element's health events must form a chain, each
// starting at the health the previous one ended at, and the thread must end
// where the last statuses put it.
func (e *env) testReplicas(t *testing.T) {
	p := e.buildPlan(t, "replicas")
	second := servicetest.Start(t, servicetest.Options{Services: []string{"planning"}, DSN: map[string]string{"planning": e.dsn},
		Broker: e.b, Prefix: e.prefix, Auth: e.auth, Elsewhere: map[string]string{"organisations": e.addr, "teams": e.addr}})
	defer second.Stop()

	on := []string{p.tactic, p.tactic2, p.tactic}
	at := time.Now()
	const changes = 300
	for i := range changes {
		status := kpipb.KpiStatus_KPI_STATUS_RED
		if i/3%2 == 1 {
			status = kpipb.KpiStatus_KPI_STATUS_GREEN
		}
		e.kpiEvent(t, fmt.Sprintf("replicas-%d", i), &kpipb.KpiStatusChanged{Kpi: fmt.Sprintf("%s/kpis/k%d", p.org, i%3),
			Element: on[i%3], NewStatus: status, ChangeTime: timestamppb.New(at.Add(time.Duration(i) * time.Millisecond))})
	}
	// The last change of each KPI is green (i/3 = 99 is odd).
	thread := []string{p.tactic, p.tactic2, p.strategy, p.calendar, p.mission, p.vision}
	eventually(t, "the thread did not end on track", func() bool {
		var handled int
		if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM inbox WHERE event_id LIKE 'replicas-%'").
			Scan(&handled); err != nil {
			t.Fatal(err)
		}
		return handled == changes && all(e.health(t, thread...), pb.Health_HEALTH_ON_TRACK)
	})

	rows, err := e.db.QueryContext(context.Background(), "SELECT data FROM outbox WHERE subject LIKE ? ORDER BY seq",
		e.prefix+".planning.v1.replicas.%.health_changed")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	last := map[string]pb.Health{}
	n := 0
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		var ev pb.ElementHealthChanged
		if err := proto.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		name := ev.Element.GetName()
		if prev, ok := last[name]; ok && prev != ev.OldHealth {
			t.Errorf("%s: a change from %v follows one to %v (cause %s)", name, ev.OldHealth, prev, ev.Cause)
		}
		last[name] = ev.Element.GetHealth()
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no health event")
	}
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// nodeLoss is what killNATSNode saw, reported once the end checks have run.
type nodeLoss struct {
	node, newLeader string
	killedAt        time.Time
	elected         time.Duration // from the kill until the stream had another leader
	down            time.Duration // from the kill to the restart
	caughtUp        time.Duration // from the restart until the node was current
	from, to        time.Time     // while the writer wrote
	w               *writer
	backlog         int           // most events waiting over a second to be published at once
	drained         time.Duration // from the kill to the last look that found one waiting
}

// killNATSNode kills, with SIGKILL, the JetStream node leading the KPI
// service's stream while a writer records values through the gateway
// (each one an event of that stream, which planning's replicas roll up
// into events of their own), and restarts it on its store a few seconds
// later. The other two nodes elect a new leader and go on; the relays'
// publishes fail meanwhile, and their backlog must drain by itself.
// Whether acknowledged writes and events survived, and none was applied
// twice, is checked at the end (report).
func (c *cluster) killNATSNode() *nodeLoss {
	t := c.t
	var leader string
	c.eventually(30*time.Second, "the KPI stream has no leader", func() bool {
		leader = c.streamLeader("kpis")
		return leader != ""
	})
	node := c.nats.node(leader)
	if node == nil {
		t.Fatalf("the KPI stream's leader %q is none of the test's nodes", leader)
	}
	l := &nodeLoss{node: leader, w: &writer{c: c, kpis: []string{"a", "b"}}}

	// How many events wait over a second for the relays, every 100 ms.
	stop, stopped := make(chan struct{}), make(chan struct{})
	var lastWaiting time.Time
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if n := c.backlog(); n > 0 {
				l.backlog = max(l.backlog, n)
				lastWaiting = time.Now()
			}
		}
	}()

	l.from = time.Now()
	l.w.start()
	time.Sleep(2 * time.Second)
	l.killedAt = time.Now()
	node.proc.kill()
	c.eventually(30*time.Second, "the KPI stream has no new leader after its leader was killed", func() bool {
		l.newLeader = c.streamLeader("kpis")
		return l.newLeader != "" && l.newLeader != leader
	})
	l.elected = time.Since(l.killedAt)
	time.Sleep(2 * time.Second) // writes go on with the node down
	node.proc.start(t)
	l.down = time.Since(l.killedAt)
	restarted := time.Now()
	c.eventually(60*time.Second, "the restarted node "+leader+" has not caught up", node.healthy)
	l.caughtUp = time.Since(restarted)
	time.Sleep(time.Second)
	l.w.stop()
	l.to = time.Now()
	if len(l.w.bad) > 0 || l.w.unavailable > 0 {
		t.Errorf("writes failed while a NATS node was down (writes do not need NATS): %d answered 503, others %v", l.w.unavailable, l.w.bad)
	}
	c.eventually(60*time.Second, "the relays' backlog does not drain", func() bool {
		for _, s := range services {
			if len(c.unsent(s)) > 0 {
				return false
			}
		}
		return true
	})
	close(stop)
	<-stopped
	if !lastWaiting.IsZero() {
		l.drained = lastWaiting.Sub(l.killedAt)
	}
	return l
}

// report adds the node loss to the summary, with what the end checks found
// of the writes acknowledged and the events committed meanwhile.
func (l *nodeLoss) report(sum *summary, found map[string]bool, d delivery, a appliedOnce) {
	c := l.w.c
	acked := 0
	for _, name := range l.w.acked {
		if found[name] {
			acked++
		}
	}
	committed, lost := 0, 0
	for _, s := range services {
		for _, id := range c.ids(s, "SELECT id FROM outbox WHERE event_time BETWEEN ? AND ?", l.from.UnixMicro(), l.to.UnixMicro()) {
			committed++
			if d.lost[id] {
				lost++
			}
		}
	}
	if committed == 0 {
		c.t.Error("no event was committed while the NATS node was down: the fault did not bite")
	}
	sum.add(fmt.Sprintf("JetStream node %s killed", l.node), "with SIGKILL mid-writes at %s (the KPI stream's leader, of 3 nodes, R%d streams); "+
		"the stream's leader was %s %s later; %s restarted %s after the kill, current again %s after that",
		l.killedAt.Format("15:04:05.000"), streamReplicas, l.newLeader, l.elected.Round(100*time.Millisecond), l.node,
		l.down.Round(100*time.Millisecond), l.caughtUp.Round(100*time.Millisecond))
	sum.add("  writes meanwhile", "%d sent, %d acknowledged, %d of them found afterwards", l.w.sent, len(l.w.acked), acked)
	sum.add("  events meanwhile", "%d committed by the 4 services: %d lost, %d applied twice (the whole run: %d duplicate roll-ups, %d broken health chains)",
		committed, lost, a.duplicates+a.chainBreaks, a.duplicates, a.chainBreaks)
	if l.backlog == 0 {
		sum.add("  relay backlog", "no event waited over a second to be published")
	} else {
		sum.add("  relay backlog", "up to %d events waited over a second to be published; drained %s after the kill",
			l.backlog, l.drained.Round(100*time.Millisecond))
	}
}

// backlog counts the events the services committed over a second ago and
// have not published yet, -1 when a database does not answer (it runs
// beside the test, so it reports no failure itself).
func (c *cluster) backlog() int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	before := time.Now().Add(-time.Second).UnixMicro()
	total := 0
	for _, s := range services {
		var n int
		if err := c.db[s].QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE sent_time IS NULL AND event_time < ?", before).Scan(&n); err != nil {
			return -1
		}
		total += n
	}
	return total
}

// streamLeader names the node leading service's stream, "" when none
// answers within a second (the test polls it). It checks that the stream
// has its replicas.
func (c *cluster) streamLeader(service string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, c.stream(service))
	if err != nil {
		return ""
	}
	info := s.CachedInfo()
	if info.Config.Replicas != streamReplicas || info.Cluster == nil {
		c.t.Fatalf("stream %s has %d replicas (cluster %+v), want %d", info.Config.Name, info.Config.Replicas, info.Cluster, streamReplicas)
	}
	return info.Cluster.Leader
}

// replicaSpread checks that the gateway's calls reached both replicas of
// every service, and reports how many each served over the run (the KPI
// service's since its replicas' restart). Organisations and teams take
// few calls from the gateway, and a connection idle long enough is closed
// (-grpc-idle-timeout), so it first reads from each service until both
// replicas have answered the gateway.
func (c *cluster) replicaSpread(sum *summary) {
	paths := map[string]string{
		"organisations": "/v1/" + org,
		"teams":         "/v1/" + org + "/teams/board",
		"planning":      "/v1/" + org + "/elements/vision",
		"kpis":          "/v1/" + org + "/kpis/a",
	}
	gatewayCalls := func(p *process) int {
		return int(p.metric(c.t, "grpc_server_handled_total", `caller="gateway"`))
	}
	var served []string
	for _, s := range services {
		before := map[*process]int{}
		for _, p := range c.replicas[s] {
			before[p] = gatewayCalls(p)
		}
		c.eventually(15*time.Second, "the gateway's reads of "+s+" do not reach both its replicas", func() bool {
			c.must("GET", paths[s], "", nil)
			for _, p := range c.replicas[s] {
				if gatewayCalls(p) == before[p] {
					return false
				}
			}
			return true
		})
		var counts []string
		for _, p := range c.replicas[s] {
			counts = append(counts, fmt.Sprint(gatewayCalls(p)))
		}
		served = append(served, s+" "+strings.Join(counts, "/"))
	}
	sum.add("two replicas of every service", "each pair on one PostgreSQL database; gateway calls each replica served: %s",
		strings.Join(served, ", "))
}

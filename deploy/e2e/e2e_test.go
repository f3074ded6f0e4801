package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/proto"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// SoakEnv names the variable holding how long the soak runs (a Go
// duration); .ci/run sets five minutes, `make test` runs the default.
const SoakEnv = "GT_TEST_SOAK"

const defaultSoak = 20 * time.Second

// summary is what the test prints at the end.
type summary struct {
	rows [][2]string
}

func (s *summary) add(what string, format string, args ...any) {
	s.rows = append(s.rows, [2]string{what, fmt.Sprintf(format, args...)})
}

func (s *summary) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "multi-process end-to-end summary\t")
	for _, r := range s.rows {
		fmt.Fprintf(w, "  %s\t%s\n", r[0], r[1])
	}
	w.Flush()
	return b.String()
}

// TestMultiProcess runs every service as its own OS process, two replicas
// of each, against the external PostgreSQL and a 3-node JetStream cluster
// it starts (R3 streams), drives the golden thread through the gateway's
// REST API, and injects faults: a service's replicas killed with SIGKILL
// while their NATS links are cut, NATS unreachable for every service, a
// JetStream node killed with SIGKILL mid-writes and restarted, and a soak
// at a fixed rate.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every service; skipped with -short")
	}
	if os.Getenv(sqldbtest.PostgresEnv) == "" {
		t.Skipf("%s is not set: the multi-process test needs an external PostgreSQL; .ci/run sets it when one answers on 127.0.0.1",
			sqldbtest.PostgresEnv)
	}
	soak := defaultSoak
	if v := os.Getenv(SoakEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", SoakEnv, v, err)
		}
		soak = d
	}
	dir := t.ArtifactDir()
	c := startCluster(t, dir)
	var sum summary

	c.goldenThread(&sum)
	c.acrossOrganisations(&sum)
	w := c.killMidStream(&sum)
	c.natsOutage(&sum)

	// The soak: mixed reads and writes at a fixed rate through the gateway.
	res := runSoak(t, c, soak)
	w.acked = append(w.acked, res.acked...)
	if res.errors > 0 {
		t.Errorf("soak: %d of %d requests failed: %v", res.errors, res.requests, res.samples)
	}
	sum.add("soak", "%s at %d/s: %d requests, %d errors, p99 %s, max %s", soak, soakRate, res.requests, res.errors,
		res.p99.Round(time.Microsecond), res.max.Round(time.Microsecond))
	for _, p := range res.rss {
		ratio := float64(p.end) / float64(p.start)
		sum.add("  RSS "+p.name, "%d KiB after %s -> %d KiB at the end (%.2f×)", p.start, res.warm, p.end, ratio)
		// Flat once warm: within 1.2× over a long soak; a short one
		// (locally) only catches a leak that runs away.
		limit := 1.5
		if soak >= 2*time.Minute {
			limit = 1.2
		}
		if ratio > limit {
			t.Errorf("%s memory grew from %d KiB to %d KiB during the soak (%.2f×, more than %.1f×)", p.name, p.start, p.end, ratio, limit)
		}
	}
	loss := c.killNATSNode()
	w.acked = append(w.acked, loss.w.acked...)

	// Afterwards: every acknowledged write is there, every event is
	// delivered, and none was acted on twice. The KPIs written to include
	// those created when one's period ends ran out (see kpiSeries).
	for _, kpi := range []string{"a", "b", "s1", "s2"} {
		c.measureAll(kpi, 90)
	}
	c.measure("e", 90)
	c.waitHealth("vision", "HEALTH_ON_TRACK")
	found := map[string]bool{}
	for _, kpi := range []string{"a", "b", "s1", "s2"} {
		for _, id := range c.kpisOf(kpi) {
			for name := range c.measurementNames(id) {
				found[name] = true
			}
		}
	}
	foundAcked := 0
	for _, name := range w.acked {
		if found[name] {
			foundAcked++
		} else {
			t.Errorf("acknowledged measurement %s is missing", name)
		}
	}
	delivered := c.checkDelivered()
	applied := c.checkAppliedOnce()
	loss.report(&sum, found, delivered, applied)
	c.replicaSpread(&sum)
	sum.add("writes sent", "%d", w.sent+loss.w.sent+res.writes)
	sum.add("writes acknowledged", "%d", len(w.acked))
	sum.add("KPIs created on demand", "%d (a KPI takes %d daily period ends)", c.createdOnDemand(), periodsPerKPI)
	sum.add("acknowledged writes found afterwards", "%d", foundAcked)
	sum.add("events delivered", "%d (every outbox row of the 4 services is in its stream, and acknowledged by each consumer); %d lost",
		delivered.events, len(delivered.lost))
	sum.add("roll-up events (planning)", "%d KPI status changes in the stream, each handled once: %d by planning, %d by planning-2; %d redeliveries skipped",
		applied.handled, applied.byReplica[0], applied.byReplica[1], applied.skipped)
	sum.add("  health changes", "%d ElementHealthChanged events; %d not starting where the element's previous one ended",
		applied.healthEvents, applied.chainBreaks)
	sum.add("duplicates acted on", "%d", applied.duplicates)

	all := c.processes()
	slices.Reverse(all)
	for _, p := range append([]*process{c.gateway}, all...) {
		p.stop(t)
	}
	out := sum.String()
	t.Log("\n" + out)
	if err := os.WriteFile(filepath.Join(dir, "e2e-summary.txt"), []byte(out), 0o644); err != nil {
		t.Error(err)
	}
}

// goldenThread builds the golden thread through the gateway: the
// organisation, teams, the plan from vision to tactics, KPIs on the
// tactics, and values rolling up to the vision.
func (c *cluster) goldenThread(sum *summary) {
	t := c.t
	c.must("POST", "/v1/organisations?organisation_id=e2e", `{"display_name":"E2E Council","kind":"KIND_COUNCIL"}`, nil)
	c.must("POST", "/v1/"+org+"/teams?team_id=board", `{"display_name":"Board","kind":"KIND_LEADERSHIP"}`, nil)
	c.must("POST", "/v1/"+org+"/teams?team_id=delivery",
		`{"display_name":"Delivery","kind":"KIND_OPERATIONAL","parent_team":"`+org+`/teams/board"}`, nil)
	c.element("vision", "LEVEL_VISION", "", "", "board", date(2026, 1, 1), date(2030, 12, 31), "")
	c.element("mission", "LEVEL_MISSION", "", "vision", "board", date(2026, 1, 1), date(2029, 12, 31), "")
	c.element("goal", "LEVEL_OBJECTIVE", "OBJECTIVE_KIND_THEMATIC_GOAL", "mission", "board", date(2026, 1, 1), date(2026, 6, 30),
		`,"priority_rank":1`)
	c.element("objective", "LEVEL_OBJECTIVE", "OBJECTIVE_KIND_DEFINING_OBJECTIVE", "mission", "delivery", date(2026, 1, 1),
		date(2026, 3, 31), `,"priority_rank":2,"thematic_goal":"`+org+`/elements/goal"`)
	c.element("strategy", "LEVEL_STRATEGY", "", "objective", "delivery", date(2026, 1, 1), date(2026, 3, 31), "")
	for _, id := range []string{"tactic-a", "tactic-b", "tactic-c"} {
		c.element(id, "LEVEL_TACTIC", "", "strategy", "delivery", date(2026, 1, 1), date(2026, 1, 31), `,"progress":50`)
	}
	for kpi, element := range map[string]string{"a": "tactic-a", "b": "tactic-b", "c": "tactic-a", "d": "tactic-c",
		"s1": "tactic-a", "s2": "tactic-b"} {
		c.kpi(kpi, element)
	}
	for _, kpi := range []string{"a", "b", "c", "d", "s1", "s2"} {
		c.measure(kpi, 90)
	}
	c.waitHealth("vision", "HEALTH_ON_TRACK")
	c.measure("b", 40)
	c.waitHealth("tactic-b", "HEALTH_OFF_TRACK")
	c.waitHealth("vision", "HEALTH_OFF_TRACK")
	if h := c.health("tactic-a"); h != "HEALTH_ON_TRACK" {
		t.Fatalf("tactic-a health = %s, want HEALTH_ON_TRACK (its KPIs are green)", h)
	}
	c.measure("b", 90)
	c.waitHealth("vision", "HEALTH_ON_TRACK")
	sum.add("golden thread", "organisation, 2 teams, 8 elements (vision to tactics), 6 KPIs; red and green reached the vision")
}

// acrossOrganisations: a company the council owns serves the council's
// vision; a red value of the company's KPI turns that vision off track —
// the KPI service's event handled by one planning replica, the council's
// roll-up refreshed after it — and a green one back.
func (c *cluster) acrossOrganisations(sum *summary) {
	const company = "organisations/e2e-company"
	c.must("POST", "/v1/organisations?organisation_id=e2e-company",
		`{"display_name":"E2E Company","kind":"KIND_SHARED_SERVICE_COMPANY","owners":["`+org+`"]}`, nil)
	c.must("POST", "/v1/"+company+"/teams?team_id=board", `{"display_name":"Board","kind":"KIND_LEADERSHIP"}`, nil)
	for _, e := range []struct{ id, level, more string }{
		{"vision", "LEVEL_VISION", ""},
		{"mission", "LEVEL_MISSION", `,"parent":"` + company + `/elements/vision"`},
		{"service", "LEVEL_OBJECTIVE", `,"parent":"` + company + `/elements/mission","supports":["` + org + `/elements/vision"]`},
	} {
		c.must("POST", "/v1/"+company+"/elements?element_id="+e.id, fmt.Sprintf(`{"level":%q,"title":"Company %s",`+
			`"owner_team":"%s/teams/board","start_date":%s,"end_date":%s,"status":"STATUS_ACTIVE"%s}`,
			e.level, e.id, company, date(2026, 1, 1), date(2029, 12, 31), e.more), nil)
	}
	c.must("POST", "/v1/"+company+"/kpis?kpi_id=service", `{"title":"Company KPI","unit":"UNIT_PERCENT",`+
		`"direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_YEARLY","element":"`+company+`/elements/service",`+
		`"owner_team":"`+company+`/teams/board","targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":80}],`+
		`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":0,"amber_within":10}}`, nil)
	value := func(daysAgo int, v float64) time.Time {
		d := time.Now().UTC().AddDate(0, 0, -daysAgo)
		c.must("POST", "/v1/"+company+"/kpis/service/measurements", fmt.Sprintf(`{"period_end":%s,"value":%g}`,
			date(d.Year(), int(d.Month()), d.Day()), v), nil)
		return time.Now()
	}
	council := func() string {
		var el struct{ Health string }
		if code, body := c.call("GET", "/v1/"+org+"/elements/vision", ""); code == 200 {
			_ = json.Unmarshal([]byte(body), &el)
		}
		return el.Health
	}
	c.waitHealth("vision", "HEALTH_ON_TRACK")
	sent := value(2, 40)
	c.eventually(30*time.Second, "the council's vision did not take the company's red", func() bool { return council() == "HEALTH_OFF_TRACK" })
	red := time.Since(sent)
	sent = value(1, 90)
	c.eventually(30*time.Second, "the council's vision did not come back", func() bool { return council() == "HEALTH_ON_TRACK" })
	green := time.Since(sent)
	if red > 3*time.Second || green > 3*time.Second {
		c.t.Errorf("a company value took %s (red) and %s (green) to reach the council's vision, want about a second", red, green)
	}
	sum.add("across organisations", "a company's KPI reached its owner council's vision: red in %s, green in %s",
		red.Round(time.Millisecond), green.Round(time.Millisecond))
}

// killMidStream kills both replicas of the KPI service with SIGKILL in the
// middle of a stream of writes, with their NATS links cut first so that
// their outbox holds events they have not published when they die, and
// restarts them. It returns the writer, whose acknowledged writes are
// looked for at the end.
func (c *cluster) killMidStream(sum *summary) *writer {
	t := c.t
	w := &writer{c: c, kpis: []string{"a", "b"}}
	w.start()
	time.Sleep(time.Second)
	c.cut("kpis")
	time.Sleep(1500 * time.Millisecond)
	for _, p := range c.replicas["kpis"] {
		p.kill()
	}
	atKill := c.unsent("kpis")
	if len(atKill) == 0 {
		t.Fatal("the KPI service's outbox held no unsent event at SIGKILL: the fault did not bite")
	}
	// While it is down: 503 with a JSON error, within the deadline.
	start := time.Now()
	code, body := c.call("GET", "/v1/"+org+"/kpis/a", "")
	took := time.Since(start)
	if code != 503 || !json.Valid([]byte(body)) || took > gatewayTimeout+time.Second {
		t.Fatalf("with the KPI service down the gateway answered %d %q in %s; want 503 with a JSON error within %s",
			code, body, took, gatewayTimeout)
	}
	whileDown := fmt.Sprintf("%d %s in %s", code, strings.TrimSpace(body), took.Round(time.Millisecond))
	// The plan changes meanwhile: the KPI service hears it when back.
	c.must("DELETE", "/v1/"+org+"/elements/tactic-c", "", nil)
	time.Sleep(time.Second)
	c.restore("kpis")
	for _, p := range c.replicas["kpis"] {
		p.start(t)
	}
	restarted := time.Now()
	c.eventually(30*time.Second, "the gateway does not reach the restarted KPI service", func() bool {
		code, _ := c.call("GET", "/v1/"+org+"/kpis/a", "")
		return code == 200
	})
	recovered := time.Since(restarted)
	time.Sleep(time.Second)
	w.stop()
	if len(w.bad) > 0 {
		t.Fatalf("answers other than 200 or a prompt 503 with a JSON error: %v", w.bad)
	}
	if w.unavailable == 0 {
		t.Fatal("no write met the KPI service down")
	}
	c.eventually(30*time.Second, "the KPI of the element deleted while the KPI service was down is not flagged", func() bool {
		var k struct {
			ElementDeleted bool `json:"element_deleted"`
		}
		c.must("GET", "/v1/"+org+"/kpis/d", "", &k)
		return k.ElementDeleted
	})
	// Its consumers resumed where they stopped: what comes again is at most
	// what was in flight, unacknowledged, at the kill (the consumers'
	// MaxAckPending is 256), not the stream from its start.
	consumed := func(result string) int {
		return int(c.metric("kpis", "goldenthread_events_consumed_total", `consumer="kpis"`,
			`stream="`+c.stream("planning")+`"`, `result="`+result+`"`))
	}
	again, handledAfter := consumed("duplicate"), consumed("handled")+consumed("ignored")
	// After the counts: planning is still rolling up the KPI events the
	// restart released, and its stream grows meanwhile.
	planningEvents := len(c.streamEvents("planning"))
	if again > 256 {
		t.Fatalf("the restarted KPI service saw %d planning events again (the stream holds %d): its consumer did not resume",
			again, planningEvents)
	}
	// Every event the KPI service had not sent at the kill reaches the
	// stream and the planning service.
	c.eventually(30*time.Second, "events unsent at the kill are still unsent", func() bool {
		return len(c.unsent("kpis")) == 0
	})
	inStream := c.streamEvents("kpis")
	for _, id := range atKill {
		if inStream[id] == "" {
			t.Fatalf("event %s, unsent at the kill, is not in the stream", id)
		}
	}
	c.eventually(30*time.Second, "the planning service has not handled every event unsent at the kill", func() bool {
		return len(c.unacknowledged("planning", "kpis")) == 0
	})
	sum.add("kill -9 of both kpis replicas mid-stream", "%d writes sent, %d acknowledged, %d answered 503 (slowest answer %s), %d unsent events at the kill, all delivered",
		w.sent, len(w.acked), w.unavailable, w.slowest.Round(time.Millisecond), len(atKill))
	sum.add("  gateway while kpis was down", "%s", whileDown)
	sum.add("  kpis consumer resumed", "after the restart: %d planning events handled, %d seen again (of %d in the stream)",
		handledAfter, again, planningEvents)
	sum.add("  gateway recovered", "%s after the restart, by itself", recovered.Round(time.Millisecond))
	return w
}

// natsOutage cuts NATS for every service: writes go on succeeding, the
// outboxes hold their events, and all are delivered once NATS is back.
func (c *cluster) natsOutage(sum *summary) {
	t := c.t
	for _, s := range services {
		c.cut(s)
	}
	for i := range 20 {
		kpi := []string{"a", "b"}[i%2]
		c.measure(kpi, []float64{40, 90}[i/2%2])
		time.Sleep(100 * time.Millisecond)
	}
	c.element("tactic-e", "LEVEL_TACTIC", "", "strategy", "delivery", date(2026, 1, 1), date(2026, 1, 31), `,"progress":20`)
	c.kpi("e", "tactic-e")
	c.measure("e", 75)
	held := 0
	for _, s := range services {
		held += len(c.unsent(s))
	}
	if held == 0 {
		t.Fatal("no outbox held an event while NATS was unreachable: the fault did not bite")
	}
	// The operators' view: the KPI service's unsent gauge shows the
	// backlog, and drops to 0 once NATS is back.
	kpis := c.replicas["kpis"][0]
	unsentGauge := func() float64 { return kpis.metric(t, "goldenthread_outbox_unsent", `stream="`+c.stream("kpis")+`"`) }
	c.eventually(15*time.Second, "goldenthread_outbox_unsent stays 0 while NATS is unreachable", func() bool {
		return unsentGauge() > 0
	})
	gauge := unsentGauge()
	for _, s := range services {
		c.restore(s)
	}
	c.waitHealth("tactic-e", "HEALTH_AT_RISK")
	c.eventually(30*time.Second, "goldenthread_outbox_unsent does not return to 0 after NATS is back", func() bool {
		return unsentGauge() == 0
	})
	sum.add("NATS unreachable", "23 writes succeeded meanwhile; %d events held in the outboxes, delivered afterwards", held)
	sum.add("  kpis outbox_unsent gauge", "%g while NATS was unreachable, 0 after", gauge)
}

// date is a google.type.Date in JSON.
func date(y, m, d int) string { return fmt.Sprintf(`{"year":%d,"month":%d,"day":%d}`, y, m, d) }

// writer records measurements one after another through the gateway until
// stopped, keeping what was acknowledged and how failures were answered.
type writer struct {
	c    *cluster
	kpis []string

	done        chan struct{}
	quit        chan struct{}
	sent        int
	acked       []string // names of the acknowledged measurements
	unavailable int      // prompt 503s with a JSON error
	slowest     time.Duration
	bad         []string // anything else
}

func (w *writer) start() {
	w.done, w.quit = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.quit:
				return
			default:
			}
			kpi := w.kpis[i%len(w.kpis)]
			code, body, took := w.c.record(kpi, []float64{40, 90}[i/2%2])
			w.sent++
			w.slowest = max(w.slowest, took)
			var m struct{ Name string }
			switch {
			case code == 200 && json.Unmarshal([]byte(body), &m) == nil && m.Name != "":
				w.acked = append(w.acked, m.Name)
			case code == 503 && json.Valid([]byte(body)) && took <= gatewayTimeout+time.Second:
				w.unavailable++
				time.Sleep(50 * time.Millisecond)
			default:
				w.bad = append(w.bad, fmt.Sprintf("%d %q after %s", code, body, took))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

func (w *writer) stop() {
	close(w.quit)
	<-w.done
}

// delivery is what checkDelivered found.
type delivery struct {
	events int             // outbox rows, all services'
	lost   map[string]bool // ids of those missing from their stream or from a consumer's inbox
}

// checkDelivered waits until no outbox holds an unsent event, then checks
// that every outbox row is in its service's stream and that every consumer
// acknowledged every event of the streams it reads.
//
// The outbox rows are every event committed during the run because the
// services keep published rows for a day (-outbox-retention 24h, where
// they delete them after minutes by default): comparing the databases'
// events with the streams, rather than what the test's writers recorded,
// also covers the events the services emit by themselves (roll-ups,
// cascades).
func (c *cluster) checkDelivered() delivery {
	c.t.Helper()
	d := delivery{lost: map[string]bool{}}
	stream := map[string]map[string]string{}
	for _, s := range services {
		c.eventually(60*time.Second, s+" still holds unsent events", func() bool { return len(c.unsent(s)) == 0 })
		stream[s] = c.streamEvents(s)
		rows := c.ids(s, "SELECT id FROM outbox")
		for _, id := range rows {
			if stream[s][id] == "" {
				c.t.Errorf("event %s of %s is not in its stream", id, s)
				d.lost[id] = true
			}
		}
		d.events += len(rows)
	}
	reads := map[string][]string{ // consumer (and its database) -> the services it reads
		"teams":    {"organisations"},
		"planning": {"organisations", "teams", "kpis"},
		"kpis":     {"organisations", "planning"},
	}
	for consumer, from := range reads {
		for _, producer := range from {
			var missing []string
			deadline := time.Now().Add(60 * time.Second)
			for {
				missing = c.unacknowledged(consumer, producer)
				if len(missing) == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if len(missing) > 0 {
				c.t.Errorf("%s has not handled %d events of %s after 60s, e.g. %s", consumer, len(missing), producer, missing[0])
			}
			for _, id := range missing {
				d.lost[id] = true
			}
		}
	}
	return d
}

// appliedOnce is the evidence that the two planning replicas applied each
// KPI status change once.
type appliedOnce struct {
	handled      int    // KPI status changes in the stream
	byReplica    [2]int // handled by each replica (its metrics)
	skipped      int    // redeliveries the inbox turned away
	duplicates   int    // handled beyond once
	healthEvents int
	chainBreaks  int // health changes not starting where the previous one ended
}

// checkAppliedOnce compares what the planning replicas report handling
// from the KPI stream with the KPI status changes it holds (planning's
// only handler there; the other KPI events it passes over, as often as
// they come, since passing over changes nothing), and checks the health
// events the roll-ups produced: for each element, each change starts from
// the health the previous one ended at. A change applied twice, or two
// replicas rolling up from the same stale state, would break that chain.
func (c *cluster) checkAppliedOnce() appliedOnce {
	c.t.Helper()
	var a appliedOnce
	for _, typ := range c.streamEvents("kpis") {
		if typ == string(proto.MessageName(&kpispb.KpiStatusChanged{})) {
			a.handled++
		}
	}
	labels := []string{`consumer="planning"`, `stream="` + c.stream("kpis") + `"`}
	// A replica counts an event just after committing it, so give the
	// counters a moment to catch up with the inboxes checked before.
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.skipped = 0
		for i, p := range c.replicas["planning"] {
			a.byReplica[i] = int(p.metric(c.t, "goldenthread_events_consumed_total", append(labels, `result="handled"`)...))
			a.skipped += int(p.metric(c.t, "goldenthread_events_consumed_total", append(labels, `result="duplicate"`)...))
		}
		a.duplicates = a.byReplica[0] + a.byReplica[1] - a.handled
		if a.duplicates >= 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.duplicates != 0 {
		c.t.Errorf("the planning replicas handled %d + %d KPI status changes; the stream holds %d", a.byReplica[0], a.byReplica[1], a.handled)
	}
	for i, n := range a.byReplica {
		if n == 0 {
			c.t.Errorf("planning replica %d handled no KPI status change: the replicas did not share the work", i+1)
		}
	}

	rows, err := c.db["planning"].QueryContext(context.Background(),
		"SELECT data FROM outbox WHERE type = ? ORDER BY seq", string(proto.MessageName(&planningpb.ElementHealthChanged{})))
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	last := map[string]planningpb.Health{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			c.t.Fatal(err)
		}
		var ev planningpb.ElementHealthChanged
		if err := proto.Unmarshal(data, &ev); err != nil {
			c.t.Fatal(err)
		}
		a.healthEvents++
		name := ev.Element.GetName()
		if prev, ok := last[name]; ok && prev != ev.OldHealth {
			c.t.Errorf("%s: a health change from %s follows one to %s (cause %s)", name, ev.OldHealth, prev, ev.Cause)
			a.chainBreaks++
		}
		last[name] = ev.Element.GetHealth()
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	if a.healthEvents == 0 {
		c.t.Error("no ElementHealthChanged event")
	}
	return a
}

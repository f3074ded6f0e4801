package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// gatewayTimeout is the deadline the gateway puts on each call; no answer
// may take much longer, even while a service is down.
const gatewayTimeout = 5 * time.Second

// cluster is every service as its own process, the way an operator deploys
// them: two replicas of each service, sharing that service's database on
// the external PostgreSQL, on a 3-node JetStream cluster with R3 streams
// (each process reaching every node through a TCP proxy the test can cut),
// and the gateway in front, spreading its calls over the replicas.
type cluster struct {
	t      *testing.T
	base   string // the gateway's URL
	token  string // a platform admin's API token
	client *http.Client
	prefix string
	js     jetstream.JetStream
	nats   *natsCluster

	replicas map[string][]*process // each service's two, by service
	gateway  *process
	proxies  map[string][]*proxy // NATS proxies by process name, one per node
	db       map[string]*sqldb.DB

	// Where measurementBody sends values, under mu: each named KPI's
	// series and the period ends handed out of each KPI.
	mu          sync.Mutex
	firstPeriod time.Time             // the first period end of every KPI
	series      map[string]*kpiSeries // by the KPI the test names
	periods     map[string]int        // period ends handed out, by KPI
}

// services are the streams' and databases' owners, in start order.
var services = []string{"organisations", "teams", "planning", "kpis"}

// replicaName is the process name of a service's i-th replica: the service's
// name, then "planning-2" and so on.
func replicaName(service string, i int) string {
	if i == 0 {
		return service
	}
	return fmt.Sprintf("%s-%d", service, i+1)
}

// streamReplicas is the replica count of every service's stream.
const streamReplicas = 3

func startCluster(t *testing.T, logDir string) *cluster {
	t.Helper()
	nc := startNATSCluster(t, logDir)
	bin := t.TempDir()
	for _, pkg := range []string{
		"github.com/goldenthread/goldenthread/services/organisations/cmd/organisations",
		"github.com/goldenthread/goldenthread/services/teams/cmd/teams",
		"github.com/goldenthread/goldenthread/services/planning/cmd/planning",
		"github.com/goldenthread/goldenthread/services/kpis/cmd/kpis",
		"github.com/goldenthread/goldenthread/gateway/cmd/gateway",
	} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	// The test's own connection goes to every node directly, not through
	// the proxies it cuts.
	b, err := broker.Connect(broker.Config{URL: nc.urls(), Name: "e2e"}, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	c := &cluster{t: t, client: &http.Client{Timeout: 3 * gatewayTimeout}, prefix: brokertest.Prefix(t, b), js: b.JS, nats: nc,
		replicas: map[string][]*process{}, proxies: map[string][]*proxy{}, db: map[string]*sqldb.DB{},
		firstPeriod: time.Now().UTC().AddDate(0, 0, -365),
		series:      map[string]*kpiSeries{}, periods: map[string]int{}}

	dsn := map[string]string{}
	for _, s := range services {
		dsn[s] = sqldbtest.PostgresDSN(t)
	}
	// The proxies first: they keep their ports, which the addresses picked
	// for the services afterwards cannot then take.
	for _, s := range services {
		for i := range replicaIPs {
			name := replicaName(s, i)
			for _, n := range nc.nodes {
				c.proxies[name] = append(c.proxies[name], newProxy(t, n.client))
			}
		}
	}
	dns := startReplicaDNS(t)
	port, target := map[string]string{}, map[string]string{}
	for _, s := range services {
		port[s] = replicaPort(t)
		target[s] = dns.target(s, port[s])
	}
	orgData := t.TempDir()
	run := func(service string, i int, upstreams ...string) *process {
		name := replicaName(service, i)
		metrics := apitest.FreeAddr(t)
		var urls []string
		for _, p := range c.proxies[name] {
			urls = append(urls, p.url())
		}
		dataDir := t.TempDir()
		if service == "organisations" {
			// Where the replica that makes the first admin token writes it.
			dataDir = orgData
		}
		args := []string{"-grpc-addr", net.JoinHostPort(replicaIPs[i], port[service]), "-metrics-addr", metrics, "-dsn", dsn[service],
			"-nats-url", strings.Join(urls, ","), "-stream-replicas", fmt.Sprint(streamReplicas),
			"-subject-prefix", c.prefix, "-data-dir", dataDir, "-log-level", "warn",
			// Published events stay in the outboxes for the whole run, so
			// that checkDelivered can compare each with its stream.
			"-outbox-retention", "24h"}
		for _, u := range upstreams {
			args = append(args, "-"+u+"-addr", target[u])
		}
		return startProcess(t, logDir, name, filepath.Join(bin, service), metrics, args...)
	}
	upstreams := map[string][]string{
		"teams":    {"organisations"},
		"planning": {"organisations", "teams", "kpis"},
		"kpis":     {"organisations", "teams", "planning"},
	}
	for _, s := range services {
		for i := range replicaIPs {
			c.replicas[s] = append(c.replicas[s], run(s, i, upstreams[s]...))
		}
	}
	httpAddr := apitest.FreeAddr(t)
	c.gateway = startProcess(t, logDir, "gateway", filepath.Join(bin, "gateway"), "",
		"-http-addr", httpAddr, "-organisations-addr", target["organisations"], "-teams-addr", target["teams"],
		"-planning-addr", target["planning"], "-kpis-addr", target["kpis"], "-timeout", gatewayTimeout.String(), "-log-level", "warn")
	c.base = "http://" + httpAddr

	for _, s := range services {
		db, err := sqldb.Open(context.Background(), dsn[s])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c.db[s] = db
	}
	c.eventually(60*time.Second, "the gateway is not ready", func() bool {
		code, _ := c.call("GET", "/readyz", "")
		return code == 200
	})
	c.eventually(30*time.Second, "no admin token was written", func() bool {
		_, err := os.Stat(filepath.Join(orgData, "admin-token"))
		return err == nil
	})
	raw, err := os.ReadFile(filepath.Join(orgData, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	c.token = strings.TrimSpace(string(raw))
	return c
}

// replicaPort is a port free on both replicas' addresses.
func replicaPort(t *testing.T) string {
	t.Helper()
	for range 20 {
		_, port, err := net.SplitHostPort(apitest.FreeAddr(t))
		if err != nil {
			t.Fatal(err)
		}
		if lis, err := net.Listen("tcp", net.JoinHostPort(replicaIPs[1], port)); err == nil {
			lis.Close()
			return port
		}
	}
	t.Fatalf("no port free on both %v", replicaIPs)
	return ""
}

// processes are the services' replicas, in start order.
func (c *cluster) processes() []*process {
	var all []*process
	for _, s := range services {
		all = append(all, c.replicas[s]...)
	}
	return all
}

// cut cuts the NATS links of service's replicas; restore restores them.
func (c *cluster) cut(service string) {
	for i := range c.replicas[service] {
		for _, p := range c.proxies[replicaName(service, i)] {
			p.cut()
		}
	}
}

func (c *cluster) restore(service string) {
	for i := range c.replicas[service] {
		for _, p := range c.proxies[replicaName(service, i)] {
			p.restore()
		}
	}
}

// metric sums the metric over service's replicas (see process.metric).
func (c *cluster) metric(service, name string, labels ...string) float64 {
	var sum float64
	for _, p := range c.replicas[service] {
		sum += p.metric(c.t, name, labels...)
	}
	return sum
}

// call sends a REST request through the gateway; code 0 means no answer.
func (c *cluster) call(method, path, body string) (int, string) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request that has to succeed and decodes its answer into out
// (when not nil).
func (c *cluster) must(method, path, body string, out any) {
	c.t.Helper()
	code, got := c.call(method, path, body)
	if code != 200 {
		c.t.Fatalf("%s %s: %d %s", method, path, code, got)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
}

func (c *cluster) eventually(d time.Duration, msg string, ok func() bool) {
	c.t.Helper()
	apitest.Eventually(c.t, d, msg, ok)
}

const org = "organisations/e2e"

// element creates a plan element.
func (c *cluster) element(id, level, kind, parent, team string, start, end string, extra string) {
	c.t.Helper()
	body := fmt.Sprintf(`{"level":%q,"title":%q,"owner_team":"%s/teams/%s","start_date":%s,"end_date":%s,"status":"STATUS_ACTIVE"`,
		level, "Element "+id, org, team, start, end)
	if kind != "" {
		body += fmt.Sprintf(`,"objective_kind":%q`, kind)
	}
	if parent != "" {
		body += fmt.Sprintf(`,"parent":"%s/elements/%s"`, org, parent)
	}
	c.must("POST", "/v1/"+org+"/elements?element_id="+id, body+extra+"}", nil)
}

// kpi creates a yearly KPI of element whose target is 80, higher being
// better: 80 and over is green, 70 to 80 amber, under 70 red.
func (c *cluster) kpi(id, element string) {
	c.t.Helper()
	if code, body := c.createKPI(id, element); code != 200 {
		c.t.Fatalf("create KPI %s: %d %s", id, code, body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.series[id] = &kpiSeries{element: element, kpis: []string{id}}
}

// createKPI creates the KPI that kpi describes and returns the answer.
func (c *cluster) createKPI(id, element string) (int, string) {
	return c.call("POST", "/v1/"+org+"/kpis?kpi_id="+id, fmt.Sprintf(`{"title":"KPI %s","unit":"UNIT_PERCENT",`+
		`"direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_YEARLY","element":"%s/elements/%s",`+
		`"owner_team":"%s/teams/delivery","targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":80}],`+
		`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":0,"amber_within":10}}`, id, org, element, org))
}

// periodsPerKPI is how many daily period ends, each after the one before, a
// yearly KPI takes: from firstPeriod, a year before the test started, to a
// year after it. The KPI service (services/kpis/status.go) refuses a period
// ending more than one reporting period, a year, after today, and turns a
// KPI OVERDUE once its latest period ended more than a year and 30 days
// ago: even a KPI whose latest value is for firstPeriod is not overdue
// until a month after the test started.
const periodsPerKPI = 2*365 + 1

// kpiSeries is a KPI the test names and the KPIs of the same element that
// take its values once its period ends are used up: the test sends
// thousands of values, each for a period after every earlier one of its
// KPI, and one KPI has room for periodsPerKPI of them.
type kpiSeries struct {
	element string
	kpis    []string // the named KPI first, then those created on demand; the last takes new values
}

// measurementBody is a value of kpi for a period after every earlier one of
// the KPI it goes to, so that it is that KPI's latest and sets its status,
// and the path to send it to. It goes to the newest KPI of kpi's series;
// once that KPI has only its last period left, which closing values take
// (see measureAll), it first creates the next KPI of the series, "kpi-2",
// "kpi-3" and so on; failed is the gateway's answer when that fails.
func (c *cluster) measurementBody(kpi string, value float64) (path, body string, failed *failedCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.series[kpi]
	id := s.kpis[len(s.kpis)-1]
	if c.periods[id] >= periodsPerKPI-1 {
		id = fmt.Sprintf("%s-%d", kpi, len(s.kpis)+1)
		start := time.Now()
		// 409: an earlier attempt created it but its answer was lost (the
		// KPI service killed meanwhile).
		if code, answer := c.createKPI(id, s.element); code != 200 && code != 409 {
			return "", "", &failedCall{what: "create KPI " + id, code: code, body: answer, took: time.Since(start)}
		}
		s.kpis = append(s.kpis, id)
	}
	return measurementsPath(id), c.nextPeriod(id, value), nil
}

// nextPeriod is the body of a value of KPI id for its next period end.
func (c *cluster) nextPeriod(id string, value float64) string {
	n := c.periods[id]
	if n >= periodsPerKPI {
		c.t.Errorf("KPI %s has no period end left", id)
	}
	c.periods[id]++
	d := c.firstPeriod.AddDate(0, 0, n)
	return fmt.Sprintf(`{"period_end":{"year":%d,"month":%d,"day":%d},"value":%g}`, d.Year(), d.Month(), d.Day(), value)
}

// failedCall is a gateway answer other than 200.
type failedCall struct {
	what string
	code int
	body string
	took time.Duration
}

func (f *failedCall) Error() string { return fmt.Sprintf("%s: %d %s", f.what, f.code, f.body) }

func measurementsPath(kpi string) string { return "/v1/" + org + "/kpis/" + kpi + "/measurements" }

// record sends a value of kpi (see measurementBody) and returns the answer,
// that of creating the next KPI of its series when that failed, and how
// long the call took.
func (c *cluster) record(kpi string, value float64) (code int, body string, took time.Duration) {
	path, body, failed := c.measurementBody(kpi, value)
	if failed != nil {
		return failed.code, failed.body, failed.took
	}
	start := time.Now()
	code, body = c.call("POST", path, body)
	return code, body, time.Since(start)
}

// measure records a value that has to be accepted.
func (c *cluster) measure(kpi string, value float64) {
	c.t.Helper()
	path, body, failed := c.measurementBody(kpi, value)
	if failed != nil {
		c.t.Fatal(failed)
	}
	c.must("POST", path, body, nil)
}

// measureAll records a value that has to be accepted on every KPI of kpi's
// series, each for its next period end: for those whose periods are used
// up, the last one, kept for this. It leaves every KPI of the series with
// that value as its latest, so that their status, and the roll-up, is what
// the value makes it.
func (c *cluster) measureAll(kpi string, value float64) {
	c.t.Helper()
	for _, id := range c.kpisOf(kpi) {
		c.mu.Lock()
		body := c.nextPeriod(id, value)
		c.mu.Unlock()
		c.must("POST", measurementsPath(id), body, nil)
	}
}

// kpisOf lists the KPIs of kpi's series: kpi and those created on demand.
func (c *cluster) kpisOf(kpi string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.series[kpi].kpis)
}

// createdOnDemand is how many KPIs measurementBody created.
func (c *cluster) createdOnDemand() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.series {
		n += len(s.kpis) - 1
	}
	return n
}

// health is an element's health as the gateway reports it.
func (c *cluster) health(element string) string {
	var el struct{ Health string }
	if code, body := c.call("GET", "/v1/"+org+"/elements/"+element, ""); code == 200 {
		_ = json.Unmarshal([]byte(body), &el)
	}
	return el.Health
}

func (c *cluster) waitHealth(element, want string) {
	c.t.Helper()
	c.eventually(30*time.Second, element+" health is "+c.health(element)+", want "+want, func() bool {
		return c.health(element) == want
	})
}

// measurementNames lists every measurement of kpi.
func (c *cluster) measurementNames(kpi string) map[string]bool {
	c.t.Helper()
	names := map[string]bool{}
	token := ""
	for {
		var page struct {
			Measurements  []struct{ Name string }
			NextPageToken string `json:"next_page_token"`
		}
		c.must("GET", measurementsPath(kpi)+"?page_size=500&page_token="+url.QueryEscape(token), "", &page)
		for _, m := range page.Measurements {
			names[m.Name] = true
		}
		if token = page.NextPageToken; token == "" {
			return names
		}
	}
}

// unsent lists the ids of the outbox rows of service not yet acknowledged
// by JetStream.
func (c *cluster) unsent(service string) []string {
	c.t.Helper()
	return c.ids(service, "SELECT id FROM outbox WHERE sent_time IS NULL")
}

func (c *cluster) ids(service, query string, args ...any) []string {
	c.t.Helper()
	rows, err := c.db[service].QueryContext(context.Background(), query, args...)
	if err != nil {
		c.t.Fatalf("%s: %v", service, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			c.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return ids
}

// stream is the name of service's stream.
func (c *cluster) stream(service string) string {
	return strings.ToUpper(c.prefix) + "_" + strings.ToUpper(service)
}

// unacknowledged returns the ids of the events of producer's stream that
// consumer has not acknowledged, none once it has caught up. A consumer
// acknowledges an event once its handler's effect committed, or once it
// found that none of its handlers has anything to do with the event.
func (c *cluster) unacknowledged(consumer, producer string) []string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := c.js.Consumer(ctx, c.stream(producer), consumer)
	if err != nil {
		c.t.Fatalf("consumer %s of %s: %v", consumer, producer, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if info.NumPending == 0 && info.NumAckPending == 0 {
		return nil
	}
	s, err := c.js.Stream(ctx, c.stream(producer))
	if err != nil {
		c.t.Fatal(err)
	}
	var ids []string
	for seq := info.AckFloor.Stream + 1; seq <= s.CachedInfo().State.LastSeq; seq++ {
		if m, err := s.GetMsg(ctx, seq); err == nil {
			ids = append(ids, m.Header.Get(events.HeaderID))
		}
	}
	return ids
}

// streamEvents returns the events held in service's stream: their types
// (ce-type) by id (ce-id).
func (c *cluster) streamEvents(service string) map[string]string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := c.js.Stream(ctx, c.stream(service))
	if err != nil {
		c.t.Fatalf("stream of %s: %v", service, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	ids := map[string]string{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			c.t.Fatalf("stream of %s, message %d: %v", service, seq, err)
		}
		ids[m.Header.Get(events.HeaderID)] = m.Header.Get(events.HeaderType)
	}
	return ids
}

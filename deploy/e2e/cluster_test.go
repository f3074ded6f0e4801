package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// gatewayTimeout is the deadline the gateway puts on each call; no answer
// may take much longer, even while a service is down.
const gatewayTimeout = 5 * time.Second

// cluster is every service as its own process, the way an operator deploys
// them: their own databases on the external PostgreSQL, the external NATS
// (each service through a proxy the test can cut), two replicas of the
// planning service on one database, and the gateway in front.
type cluster struct {
	t      *testing.T
	base   string // the gateway's URL
	token  string // a platform admin's API token
	client *http.Client
	prefix string
	js     jetstream.JetStream

	orgs, teams, kpis, gateway *process
	planning                   [2]*process
	proxies                    map[string]*proxy // NATS proxies by process name
	db                         map[string]*sqldb.DB

	mu      sync.Mutex
	periods map[string]int // measurements recorded per KPI, for fresh period ends
}

// services are the streams' and databases' owners, in start order.
var services = []string{"organisations", "teams", "planning", "kpis"}

func startCluster(t *testing.T, logDir string) *cluster {
	t.Helper()
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
	natsURL := os.Getenv(brokertest.NATSEnv)
	b := brokertest.External(t)
	c := &cluster{t: t, client: &http.Client{Timeout: 3 * gatewayTimeout}, prefix: brokertest.Prefix(t, b), js: b.JS,
		proxies: map[string]*proxy{}, db: map[string]*sqldb.DB{}, periods: map[string]int{}}

	dsn := map[string]string{}
	for _, s := range services {
		dsn[s] = sqldbtest.PostgresDSN(t)
	}
	// The proxies first: they keep their ports, which the addresses picked
	// for the services afterwards cannot then take.
	for _, name := range append(services, "planning-2") {
		c.proxies[name] = newProxy(t, strings.TrimPrefix(natsURL, "nats://"))
	}
	addr := map[string]string{}
	for _, s := range append(services, "planning-2") {
		addr[s] = apitest.FreeAddr(t)
	}
	orgData := t.TempDir()
	run := func(name, service string, extra ...string) *process {
		metrics := apitest.FreeAddr(t)
		args := append([]string{"-grpc-addr", addr[name], "-metrics-addr", metrics, "-dsn", dsn[service],
			"-nats-url", c.proxies[name].url(), "-subject-prefix", c.prefix, "-data-dir", t.TempDir(), "-log-level", "warn"}, extra...)
		return startProcess(t, logDir, name, filepath.Join(bin, service), metrics, args...)
	}
	c.orgs = run("organisations", "organisations", "-data-dir", orgData)
	c.teams = run("teams", "teams", "-organisations-addr", addr["organisations"])
	for i, name := range []string{"planning", "planning-2"} {
		c.planning[i] = run(name, "planning", "-organisations-addr", addr["organisations"], "-teams-addr", addr["teams"])
	}
	c.kpis = run("kpis", "kpis", "-organisations-addr", addr["organisations"], "-teams-addr", addr["teams"],
		"-planning-addr", addr["planning"])
	httpAddr := apitest.FreeAddr(t)
	c.gateway = startProcess(t, logDir, "gateway", filepath.Join(bin, "gateway"), "",
		"-http-addr", httpAddr, "-organisations-addr", addr["organisations"], "-teams-addr", addr["teams"],
		"-planning-addr", addr["planning"], "-kpis-addr", addr["kpis"], "-timeout", gatewayTimeout.String(), "-log-level", "warn")
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
	raw, err := os.ReadFile(filepath.Join(orgData, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	c.token = strings.TrimSpace(string(raw))
	return c
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
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			c.t.Fatalf("after %s: %s", d, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
	c.must("POST", "/v1/"+org+"/kpis?kpi_id="+id, fmt.Sprintf(`{"title":"KPI %s","unit":"UNIT_PERCENT",`+
		`"direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_YEARLY","element":"%s/elements/%s",`+
		`"owner_team":"%s/teams/delivery","targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":80}],`+
		`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":0,"amber_within":10}}`, id, org, element, org), nil)
}

// measurementBody is a value of kpi for a period after every earlier one,
// so that it is the KPI's latest and sets its status.
func (c *cluster) measurementBody(kpi string, value float64) string {
	c.mu.Lock()
	n := c.periods[kpi]
	c.periods[kpi]++
	c.mu.Unlock()
	d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return fmt.Sprintf(`{"period_end":{"year":%d,"month":%d,"day":%d},"value":%g}`, d.Year(), d.Month(), d.Day(), value)
}

func measurementsPath(kpi string) string { return "/v1/" + org + "/kpis/" + kpi + "/measurements" }

// measure records a value that has to be accepted.
func (c *cluster) measure(kpi string, value float64) {
	c.t.Helper()
	c.must("POST", measurementsPath(kpi), c.measurementBody(kpi, value), nil)
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

// streamEvents returns the event ids (ce-id) held in service's stream.
func (c *cluster) streamEvents(service string) map[string]bool {
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
	ids := map[string]bool{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			c.t.Fatalf("stream of %s, message %d: %v", service, seq, err)
		}
		ids[m.Header.Get(events.HeaderID)] = true
	}
	return ids
}

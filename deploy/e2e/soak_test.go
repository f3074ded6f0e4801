package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// soakRate is the soak's fixed request rate: half reads, half writes.
const soakRate = 20

// rss is a process's resident set size when the soak had warmed up and
// when it ended.
type rss struct {
	name       string
	start, end int64 // KiB
}

type soakResult struct {
	requests, writes, errors int
	samples                  []string            // a few of the failures
	acked                    map[string][]string // KPI -> names of the measurements recorded
	p99, max                 time.Duration
	rss                      []rss
}

// runSoak sends mixed reads and writes through the gateway at soakRate for
// d with vegeta's constant pacer, and samples the services' memory after a
// warm-up and at the end.
func runSoak(t *testing.T, c *cluster, d time.Duration) soakResult {
	t.Helper()
	header := http.Header{"Authorization": {"Bearer " + c.token}, "Content-Type": {"application/json"}}
	var n atomic.Uint64
	targeter := func(tgt *vegeta.Target) error {
		i := n.Add(1)
		*tgt = vegeta.Target{Method: "GET", Header: header}
		switch i % 4 {
		case 0:
			tgt.URL = c.base + "/v1/" + org + "/elements/vision"
		case 1:
			tgt.URL = c.base + "/v1/" + org + "/kpis?page_size=20"
		default:
			// Alternately red and green, so each write moves a KPI's status
			// and its roll-up up the thread.
			kpi := []string{"s1", "s2"}[i%2]
			tgt.Method, tgt.URL = "POST", c.base+measurementsPath(kpi)
			tgt.Body = []byte(c.measurementBody(kpi, []float64{40, 90}[i/4%2]))
		}
		return nil
	}
	procs := []*process{c.orgs, c.teams, c.planning[0], c.planning[1], c.kpis, c.gateway}
	warm := make(chan []int64, 1)
	go func() {
		time.Sleep(min(d/4, 30*time.Second))
		var start []int64
		for _, p := range procs {
			start = append(start, p.rssKiB(t))
		}
		warm <- start
	}()

	res := soakResult{acked: map[string][]string{}}
	attacker := vegeta.NewAttacker(vegeta.Timeout(2*gatewayTimeout), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	for r := range attacker.Attack(targeter, vegeta.ConstantPacer{Freq: soakRate, Per: time.Second}, d, "soak") {
		m.Add(r)
		if r.Method == "POST" {
			res.writes++
		}
		if r.Code != 200 || r.Error != "" {
			res.errors++
			if len(res.samples) < 5 {
				res.samples = append(res.samples, fmt.Sprintf("%s %s: %d %s %s", r.Method, r.URL, r.Code, r.Error, r.Body))
			}
			continue
		}
		if r.Method == "POST" {
			var meas struct{ Name string }
			if err := json.Unmarshal(r.Body, &meas); err != nil || meas.Name == "" {
				t.Fatalf("soak: recorded measurement answer %s: %v", r.Body, err)
			}
			kpi := strings.Split(meas.Name, "/")[3]
			res.acked[kpi] = append(res.acked[kpi], meas.Name)
		}
	}
	m.Close()
	start := <-warm
	for i, p := range procs {
		res.rss = append(res.rss, rss{name: p.name, start: start[i], end: p.rssKiB(t)})
	}
	res.requests = int(m.Requests)
	res.p99, res.max = m.Latencies.P99, m.Latencies.Max
	return res
}

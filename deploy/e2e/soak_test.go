package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
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
	samples                  []string // a few of the failures
	acked                    []string // names of the measurements recorded
	p99, max                 time.Duration
	rss                      []rss
	// warm is how long into the soak the first RSS was taken.
	warm time.Duration
}

// runSoak sends mixed reads and writes through the gateway at soakRate for
// d with vegeta's constant pacer, and samples the services' memory after a
// warm-up and at the end.
func runSoak(t *testing.T, c *cluster, d time.Duration) soakResult {
	t.Helper()
	header := http.Header{"Authorization": {"Bearer " + c.token}, "Content-Type": {"application/json"}}
	var n atomic.Uint64
	// A targeter error stops vegeta's attack; stopped says why.
	var stopped atomic.Pointer[failedCall]
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
			path, body, failed := c.measurementBody(kpi, []float64{40, 90}[i/4%2])
			if failed != nil {
				stopped.Store(failed)
				return failed
			}
			tgt.Method, tgt.URL, tgt.Body = "POST", c.base+path, []byte(body)
		}
		return nil
	}
	procs := append(c.processes(), c.gateway)
	// After the first minute of a long soak: caches and pools have filled
	// by then, and what grows after is what would grow for ever.
	warmAfter := min(d/4, time.Minute)
	warm := make(chan []int64, 1)
	go func() {
		time.Sleep(warmAfter)
		var start []int64
		for _, p := range procs {
			start = append(start, p.rssKiB(t))
		}
		warm <- start
	}()

	res := soakResult{warm: warmAfter}
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
			res.acked = append(res.acked, meas.Name)
		}
	}
	m.Close()
	if f := stopped.Load(); f != nil {
		t.Errorf("soak stopped early: %v", f)
	}
	start := <-warm
	for i, p := range procs {
		res.rss = append(res.rss, rss{name: p.name, start: start[i], end: p.rssKiB(t)})
	}
	res.requests = int(m.Requests)
	res.p99, res.max = m.Latencies.P99, m.Latencies.Max
	return res
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// creator creates plan elements through the REST gateway, as a client
// would: one POST each, with the organisation API token.
type creator struct {
	restBase, token string
	next            atomic.Int64 // for unique ids
}

// create POSTs an element of level with a fresh id under parent and
// returns its name.
func (c *creator) create(ctx context.Context, level, parent, extra string) (string, error) {
	id := fmt.Sprintf("e%07d", c.next.Add(1))
	body := `{"level":"` + level + `","title":"Element ` + id + ` of the benchmark plan","owner_team":"` + benchTeam + `","parent":"` + parent + `",` +
		`"description":"An element of ordinary size: a sentence or two saying what it is for and who looks after it.",` +
		`"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31},"status":"STATUS_ACTIVE"` + extra + `}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.restBase+"/v1/"+benchOrg+"/elements?element_id="+id, bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("POST %s: %s: %.300s", req.URL, resp.Status, got)
	}
	return benchOrg + "/elements/" + id, err
}

// tactic creates a tactic under strategy.
func (c *creator) tactic(ctx context.Context, strategy string) error {
	_, err := c.create(ctx, "LEVEL_TACTIC", strategy, "")
	return err
}

// fill creates n tactics from clients concurrent clients (closed loops),
// each under parentOf(i) for the i-th create, and returns how long that
// took.
func (c *creator) fill(ctx context.Context, clients, n int, parentOf func(i int) string) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		issued   atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(issued.Add(1)) - 1
				if i >= n {
					return
				}
				if err := c.tactic(ctx, parentOf(i)); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// wideCreates are the results of the wide-parent rows.
type wideCreates struct {
	// bySiblings are the serial creates' latencies at each size.
	bySiblings map[int]run
	// concurrent is the closed loop of many clients; serverCPU the
	// all-in-one's CPU time during it.
	concurrent        run
	clients           int
	serverCPU         time.Duration
	concurrentCreates int
}

// Sizes of the wide-parent rows: the siblings a new tactic has under its
// strategy.
var siblingSizes = []int{10, 1000, 10000}

// createsUnderWideParents fills strategies to each size of siblingSizes —
// one strategy per sample for the smallest, so every sample there has
// exactly that many siblings, and one strategy for each larger size — then
// times samples creates at each size, alternating the sizes one create at
// a time so that other work on the machine falls on all alike. The largest
// strategy is filled by clients concurrent clients: that fill is the
// concurrent row.
func createsUnderWideParents(ctx context.Context, c *creator, gt *child, objective string, samples, clients int) (*wideCreates, error) {
	strategy := func() (string, error) { return c.create(ctx, "LEVEL_STRATEGY", objective, "") }
	small := make([]string, samples)
	for i := range small {
		var err error
		if small[i], err = strategy(); err != nil {
			return nil, fmt.Errorf("strategy: %w", err)
		}
	}
	out := &wideCreates{bySiblings: map[int]run{}, clients: clients}
	wide := map[int]string{}
	for _, n := range siblingSizes {
		if n == siblingSizes[0] {
			if _, err := c.fill(ctx, clients, n*len(small), func(i int) string { return small[i%len(small)] }); err != nil {
				return nil, fmt.Errorf("fill %d strategies to %d: %w", len(small), n, err)
			}
			continue
		}
		s, err := strategy()
		if err != nil {
			return nil, fmt.Errorf("strategy: %w", err)
		}
		wide[n] = s
		cpu0, err := gt.cpuTime()
		if err != nil {
			return nil, err
		}
		took, err := c.fill(ctx, clients, n, func(int) string { return s })
		if err != nil {
			return nil, fmt.Errorf("fill a strategy to %d: %w", n, err)
		}
		if n == siblingSizes[len(siblingSizes)-1] {
			cpu1, err := gt.cpuTime()
			if err != nil {
				return nil, err
			}
			out.concurrent, out.serverCPU, out.concurrentCreates = run{calls: n, window: took}, cpu1-cpu0, n
		}
	}
	lat := map[int][]time.Duration{}
	for i := range samples {
		for _, n := range siblingSizes {
			parent := wide[n]
			if n == siblingSizes[0] {
				parent = small[i]
			}
			t0 := time.Now()
			if err := c.tactic(ctx, parent); err != nil {
				return nil, err
			}
			lat[n] = append(lat[n], time.Since(t0))
		}
	}
	for n, l := range lat {
		slices.Sort(l)
		var sum time.Duration
		for _, d := range l {
			sum += d
		}
		out.bySiblings[n] = run{calls: len(l), window: sum, latency: l}
	}
	return out, nil
}

// mean is the mean latency of r's calls (its window is their sum for
// serial runs).
func mean(r run) time.Duration { return r.window / time.Duration(max(1, r.calls)) }

// createRows are the rows of creates through REST: the time per create
// under a strategy of 10, 1,000 and 10,000 tactics, and creates at many
// clients against recording one value (recordRate, 0 when that row did
// not run).
func createRows(ctx context.Context, o options, prof profiler, gt *child, c *creator, objective string, recordRate float64) ([]row, error) {
	const clients = 10
	profiled := prof.during("creates", 30*time.Second)
	w, err := createsUnderWideParents(ctx, c, gt, objective, o.createSamples, clients)
	profiled()
	if err != nil {
		return nil, fmt.Errorf("creates: %w", err)
	}
	var rows []row
	small, large := siblingSizes[0], siblingSizes[len(siblingSizes)-1]
	base := w.bySiblings[small]
	for _, n := range siblingSizes {
		r := w.bySiblings[n]
		x := row{what: fmt.Sprintf("Create a tactic through REST under a strategy with %s siblings, 1 client (%d creates, sizes alternating)", count(float64(n)), r.calls),
			ours:     fmt.Sprintf("p50 %s, mean %s, p99 %s", ms(r.quantile(0.5)), ms(mean(r)), ms(r.quantile(0.99))),
			baseline: "—", base: "—", ratio: "—", goal: "reported", met: "—"}
		if n == large {
			ratio := float64(r.quantile(0.5)) / float64(base.quantile(0.5))
			x.baseline, x.base = fmt.Sprintf("the same at %s siblings", count(float64(small))), "p50 "+ms(base.quantile(0.5))
			x.ratio, x.goal, x.met = fmt.Sprintf("%.2f× p50 (%.2f× mean)", ratio, float64(mean(r))/float64(mean(base))), "≤ 1.2×", yesNo(ratio <= 1.2)
		}
		rows = append(rows, x)
	}
	perSec := w.concurrent.perSecond()
	x := row{what: fmt.Sprintf("Creates through REST at %d clients (a strategy filled from 0 to %s tactics)", w.clients, count(float64(large))),
		baseline: "recording one value over gRPC, 1 client (row above)",
		ours: fmt.Sprintf("%s/s, %s ms of the all-in-one's CPU per create", count(perSec),
			millis(w.serverCPU/time.Duration(max(1, w.concurrentCreates)))),
		base: "—", ratio: "—", goal: "≥ 1,000/s", met: yesNo(perSec >= 1000)}
	if recordRate > 0 {
		x.base, x.ratio = fmt.Sprintf("%s/s", count(recordRate)), fmt.Sprintf("%.2f", perSec/recordRate)
	}
	return append(rows, x), nil
}

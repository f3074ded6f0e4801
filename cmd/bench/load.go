package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// run is what a closed-loop load measured: how many calls completed inside
// the measuring window, and each one's latency.
type run struct {
	calls   int
	window  time.Duration
	latency []time.Duration // sorted
}

// perSecond is the throughput.
func (r run) perSecond() float64 { return float64(r.calls) / r.window.Seconds() }

// quantile is the latency below which a fraction q of the calls fall.
func (r run) quantile(q float64) time.Duration {
	if len(r.latency) == 0 {
		return 0
	}
	return r.latency[min(len(r.latency)-1, int(q*float64(len(r.latency))))]
}

// closedLoop runs call from clients goroutines, each starting its next call
// when the last returned, for warmup and then window; only calls that start
// and end inside the window count. The first error stops the run.
func closedLoop(ctx context.Context, clients int, warmup, window time.Duration, call func(context.Context) error) (run, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		from, to atomic.Int64 // the window, in ns since start
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	start := time.Now()
	from.Store(int64(warmup))
	to.Store(int64(warmup + window))
	lat := make([][]time.Duration, clients)
	for c := range clients {
		lat[c] = make([]time.Duration, 0, 1<<16)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Since(start)
				if t0 > time.Duration(to.Load()) {
					return
				}
				if err := call(ctx); err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				t1 := time.Since(start)
				if t0 >= time.Duration(from.Load()) && t1 <= time.Duration(to.Load()) {
					lat[c] = append(lat[c], t1-t0)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return run{}, firstErr
	}
	r := run{window: window, latency: slices.Concat(lat...)}
	r.calls = len(r.latency)
	slices.Sort(r.latency)
	if r.calls == 0 {
		return r, fmt.Errorf("no call completed inside the %s window", window)
	}
	return r, nil
}

// serial times n calls one after the other, after warmup calls.
func serial(ctx context.Context, warmup, n int, call func(context.Context) error) (run, error) {
	for range warmup {
		if err := call(ctx); err != nil {
			return run{}, err
		}
	}
	r := run{latency: make([]time.Duration, 0, n)}
	start := time.Now()
	for range n {
		t0 := time.Now()
		if err := call(ctx); err != nil {
			return run{}, err
		}
		r.latency = append(r.latency, time.Since(t0))
	}
	r.window = time.Since(start)
	r.calls = n
	slices.Sort(r.latency)
	return r, nil
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

// count formats a rate with thousands separators.
func count(v float64) string {
	n := int64(v + 0.5)
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// merge combines runs of the same calls into one.
func merge(runs ...run) run {
	var m run
	for _, r := range runs {
		m.calls += r.calls
		m.window += r.window
		m.latency = append(m.latency, r.latency...)
	}
	slices.Sort(m.latency)
	return m
}

// rounds is how many times paired measurements alternate between ours and
// the baseline, so that a burst of other work on the machine falls on both.
const rounds = 3

// pairedLoops measures ours and base with closed loops of clients, in
// alternating rounds each a third of window long.
func pairedLoops(ctx context.Context, clients int, warmup, window time.Duration, ours, base func(context.Context) error) (run, run, error) {
	var o, b []run
	for i := range rounds {
		w := warmup
		if i > 0 {
			w = warmup / 4
		}
		r, err := closedLoop(ctx, clients, w, window/rounds, ours)
		if err != nil {
			return run{}, run{}, err
		}
		o = append(o, r)
		if r, err = closedLoop(ctx, clients, w, window/rounds, base); err != nil {
			return run{}, run{}, fmt.Errorf("baseline: %w", err)
		}
		b = append(b, r)
	}
	return merge(o...), merge(b...), nil
}

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// diskUse is what a data directory holds at one moment.
type diskUse struct {
	// total is every file's size; live leaves out SQLite's write-ahead logs
	// and shared-memory files (-wal, -shm), which hold pages on their way
	// into the databases, not more data.
	total, live int64
	// wal is the largest write-ahead log, walName its path under the
	// directory.
	wal     int64
	walName string
	// byStore is the live data by what holds it: a database file, or the
	// directory right under dir it is in (the NATS server's streams).
	byStore map[string]int64
}

// measureDir adds up the sizes of the files under dir. Files that go while
// it looks (a log cut back, a stream's block removed) count as gone.
func measureDir(dir string) (diskUse, error) {
	u := diskUse{byStore: map[string]int64{}}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		size := info.Size()
		u.total += size
		rel, _ := filepath.Rel(dir, path)
		switch {
		case strings.HasSuffix(path, "-wal"):
			if size > u.wal {
				u.wal, u.walName = size, rel
			}
		case strings.HasSuffix(path, "-shm"):
		default:
			u.live += size
			store, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
			u.byStore[store] += size
		}
		return nil
	})
	return u, err
}

// peaks follows a data directory while a load runs: its largest size and
// its largest write-ahead log, sampled every 50 ms.
type peaks struct {
	mu      sync.Mutex
	total   int64
	wal     int64
	walName string
}

func (p *peaks) follow(ctx context.Context, dir string) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if u, err := measureDir(dir); err == nil {
			p.mu.Lock()
			p.total = max(p.total, u.total)
			if u.wal > p.wal {
				p.wal, p.walName = u.wal, u.walName
			}
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// settled waits until the live data under dir has stopped changing — the
// events delivered, the logs copied into the databases — and returns it.
func settled(ctx context.Context, dir string) (diskUse, error) {
	const quiet, limit = 2 * time.Second, 60 * time.Second
	last, err := measureDir(dir)
	if err != nil {
		return last, err
	}
	since, start := time.Now(), time.Now()
	for time.Since(since) < quiet {
		if time.Since(start) > limit {
			return last, fmt.Errorf("%s still changing after %s", dir, limit)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		u, err := measureDir(dir)
		if err != nil {
			return u, err
		}
		if u.live != last.live {
			since = time.Now()
		}
		last = u
	}
	return last, nil
}

// Sizes of the disk rows' load.
const (
	diskElements = 3000
	diskValues   = 10000
	// diskStrategies share the elements: diskStrategies strategies, the rest
	// tactics under them.
	diskStrategies = 30
	// natsStore is the all-in-one's NATS store: a directory of its data
	// directory.
	natsStore = "nats"
)

// perItem lists, largest first, how much live data each store gained
// from before to after, per one of n items.
func perItem(before, after diskUse, n int) string {
	type gain struct {
		store string
		bytes float64
	}
	var gains []gain
	for store, size := range after.byStore {
		if d := float64(size-before.byStore[store]) / float64(n); d >= 1 || d <= -1 {
			gains = append(gains, gain{store, d})
		}
	}
	slices.SortFunc(gains, func(a, b gain) int { return cmp.Compare(b.bytes, a.bytes) })
	parts := make([]string, len(gains))
	for i, g := range gains {
		parts[i] = fmt.Sprintf("%s %s", g.store, count(g.bytes))
	}
	return strings.Join(parts, ", ")
}

// diskRows load a fresh all-in-one with diskElements elements through REST
// (10 clients) and then diskValues values recorded one at a time over gRPC
// (one client per KPI), each with the events it makes, and report the
// live data each adds, and the data directory's peak and largest
// write-ahead log meanwhile.
func diskRows(ctx context.Context, o options) ([]row, []string, error) {
	dir, err := os.MkdirTemp("", "goldenthread-bench-disk-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	gt, err := startAllInOne(o, dir)
	if err != nil {
		return nil, nil, err
	}
	defer gt.stop()
	conn, err := dial(gt.grpcAddr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	fx, err := setUp(ctx, conn, firstLine(filepath.Join(gt.dataDir, "admin-token")))
	if err != nil {
		return nil, nil, err
	}
	before, err := settled(ctx, gt.dataDir)
	if err != nil {
		return nil, nil, err
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	var p peaks
	followed := make(chan struct{})
	go func() { defer close(followed); p.follow(followCtx, gt.dataDir) }()

	c := &creator{restBase: gt.restBase, token: fx.token}
	strategies := make([]string, diskStrategies)
	for i := range strategies {
		if strategies[i], err = c.create(ctx, "LEVEL_STRATEGY", fx.objective, ""); err != nil {
			return nil, nil, fmt.Errorf("strategy: %w", err)
		}
	}
	if _, err := c.fill(ctx, 10, diskElements-diskStrategies, func(i int) string { return strategies[i%len(strategies)] }); err != nil {
		return nil, nil, fmt.Errorf("elements: %w", err)
	}
	withElements, err := settled(ctx, gt.dataDir)
	if err != nil {
		return nil, nil, err
	}
	kpis := []string{fx.single, fx.thread, fx.batchA, fx.batchB}
	var wg sync.WaitGroup
	errs := make([]error, len(kpis))
	for i, kpi := range kpis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := newRecorder(conn, fx.token)
			for n := range diskValues / len(kpis) {
				if errs[i] = rec.one(ctx, kpi, float64(80+n%20)); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("values: %w", err)
	}
	withValues, err := settled(ctx, gt.dataDir)
	if err != nil {
		return nil, nil, err
	}
	stopFollowing()
	<-followed
	nc, js, err := gt.operator()
	if err != nil {
		return nil, nil, err
	}
	defer nc.Close()
	valueStream, valueRatio, err := streamRow(ctx, js, "kpis", "values")
	if err != nil {
		return nil, nil, fmt.Errorf("stream row: %w", err)
	}
	elementStream, elementRatio, err := streamRow(ctx, js, "planning", "elements")
	if err != nil {
		return nil, nil, fmt.Errorf("stream row: %w", err)
	}
	perElement := float64(withElements.live-before.live) / diskElements
	perValue := float64(withValues.live-withElements.live) / diskValues
	// Once a stream is long, its events take what its stream row says.
	streamPerElement := float64(withElements.byStore[natsStore]-before.byStore[natsStore]) / diskElements
	streamPerValue := float64(withValues.byStore[natsStore]-withElements.byStore[natsStore]) / diskValues
	longPerElement := perElement - streamPerElement*(1-elementRatio)
	longPerValue := perValue - streamPerValue*(1-valueRatio)
	load := fmt.Sprintf("Data directory of a fresh all-in-one after %s elements (through REST, 10 clients) and %s values (recorded one at a time, 4 clients), with their events",
		count(diskElements), count(diskValues))
	const goal = "≤ 600 bytes per value, ≤ 1,200 per element"
	notes := []string{
		fmt.Sprintf("Disk rows, live data per element by store (bytes): %s.", perItem(before, withElements, diskElements)),
		fmt.Sprintf("Disk rows, live data per value by store (bytes): %s.", perItem(withElements, withValues, diskValues)),
	}
	return []row{
		{what: load + ": live data (without SQLite's -wal and -shm files, once each load settled)", baseline: "—",
			ours: fmt.Sprintf("%s bytes per value, %s bytes per element; %.1f MiB in all", count(perValue), count(perElement), float64(withValues.live)/(1<<20)),
			base: "—", ratio: "—", goal: goal, met: yesNo(perValue <= 600 && perElement <= 1200)},
		{what: "The same live data once the streams are long: the databases' share as above, the streams' compressed as in the stream rows below " +
			"(a stream of the disk rows' size fills none of its 8 MiB blocks, which JetStream compresses as each fills)", baseline: "—",
			ours: fmt.Sprintf("%s bytes per value, %s bytes per element", count(longPerValue), count(longPerElement)),
			base: "—", ratio: "—", goal: goal, met: yesNo(longPerValue <= 600 && longPerElement <= 1200)},
		{what: load + ": the directory's peak size and its largest write-ahead log, sampled every 50 ms", baseline: "—",
			ours: fmt.Sprintf("peak %.1f MiB (%.1f MiB once settled); largest WAL %.1f MiB (%s)", float64(p.total)/(1<<20),
				float64(withValues.total)/(1<<20), float64(p.wal)/(1<<20), p.walName),
			base: "—", ratio: "—", goal: "WAL ≤ 64 MiB", met: yesNo(p.wal <= 64<<20)},
		valueStream, elementStream,
	}, notes, nil
}

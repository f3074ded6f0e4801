package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
)

// row is a line of the table.
type row struct {
	what, baseline, ours, base, ratio, goal, met string
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// allInOne is an all-in-one (cmd/goldenthread) the driver started.
type allInOne struct {
	*child
	// dataDir is its -data-dir; natsAddr its embedded NATS server's;
	// restBase and grpcAddr where it serves.
	dataDir, natsAddr, restBase, grpcAddr string
}

// operator connects to the all-in-one's NATS server as the operator, who
// may watch every consumer's acknowledgements and read and make streams,
// which no service's user may.
func (gt *allInOne) operator() (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect("nats://"+gt.natsAddr, nats.Name("bench"),
		nats.UserInfo(broker.UserOperator, firstLine(broker.PasswordFile(filepath.Join(gt.dataDir, natsStore), broker.UserOperator))))
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// startAllInOne starts an all-in-one on the server CPUs with its data in
// dir/data and its log in dir/goldenthread.log, with extra flags, and
// waits until it serves.
func startAllInOne(o options, dir string, extra ...string) (*allInOne, error) {
	natsAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	gt := &allInOne{dataDir: filepath.Join(dir, "data"), natsAddr: natsAddr}
	args := append([]string{"-data-dir", gt.dataDir, "-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-nats-listen", natsAddr,
		"-log-level", "warn"}, extra...)
	if gt.child, err = startChild(pinned(o.serverCPUs, o.goldenthread, args...), filepath.Join(dir, "goldenthread.log")); err != nil {
		return nil, err
	}
	rest, err := gt.await("REST:", time.Minute)
	if err == nil {
		gt.restBase = strings.TrimSuffix(strings.Fields(rest)[0], "/v1/organisations")
		gt.grpcAddr, err = gt.await("gRPC:", time.Minute)
	}
	if err != nil {
		gt.stop()
		return nil, err
	}
	return gt, nil
}

// measure starts the processes, runs every row and stops them again.
func measure(ctx context.Context, o options) ([]row, []string, error) {
	dir, err := os.MkdirTemp("", "goldenthread-bench-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	prof := profiler{dir: o.profile}
	var extra []string
	if o.profile != "" {
		if prof.addr, err = freePort(); err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return nil, nil, err
		}
		extra = append(extra, "-pprof-addr", prof.addr)
	}
	gt, err := startAllInOne(o, dir, extra...)
	if err != nil {
		return nil, nil, err
	}
	defer gt.stop()
	dataDir, restBase, grpcAddr := gt.dataDir, gt.restBase, gt.grpcAddr
	adminToken := firstLine(filepath.Join(dataDir, "admin-token"))
	conn, err := dial(grpcAddr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	fx, err := setUp(ctx, conn, adminToken)
	if err != nil {
		return nil, nil, err
	}

	// The baselines answer with exactly what the all-in-one answers.
	el, err := planningpb.NewElementsServiceClient(conn).GetElement(auth.WithCredential(ctx, fx.token), &planningpb.GetElementRequest{Name: fx.tactic})
	if err != nil {
		return nil, nil, err
	}
	elURL := restBase + "/v1/" + fx.tactic
	body, err := fetch(ctx, elURL, fx.token)
	if err != nil {
		return nil, nil, err
	}
	raw, _ := proto.Marshal(el)
	if err := errors.Join(os.WriteFile(filepath.Join(dir, "element.pb"), raw, 0o600),
		os.WriteFile(filepath.Join(dir, "element.json"), body, 0o600)); err != nil {
		return nil, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	bl, err := startChild(pinned(o.serverCPUs, self, "baseline", "-element", filepath.Join(dir, "element.pb"),
		"-json", filepath.Join(dir, "element.json")), filepath.Join(dir, "baseline.log"))
	if err != nil {
		return nil, nil, err
	}
	defer bl.stop()
	blGRPC, err := bl.await("grpc ", 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	blHTTP, err := bl.await("http ", 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	blConn, err := dial(blGRPC)
	if err != nil {
		return nil, nil, err
	}
	defer blConn.Close()
	jwt := sh(dir, o.goldenthread, "token", "-data-dir", dataDir, "-subject", "admin", "-ttl", "1h")
	if jwt == "" {
		return nil, nil, errors.New("goldenthread token printed no token")
	}

	notes := []string{fmt.Sprintf("Element answered: %d bytes of protobuf, %d bytes of JSON.", len(raw), len(body))}
	time.Sleep(2 * time.Second) // let the set-up's events settle
	idle, err := gt.rss()
	if err != nil {
		return nil, nil, err
	}
	var rows []row
	paired := func(clients int, ours, base func(context.Context) error) (run, run, error) {
		return pairedLoops(ctx, clients, o.warmup, o.window, ours, base)
	}

	// Get over gRPC, and through the REST gateway.
	var loadedRSS int64
	if o.wants("get") {
		for _, c := range []struct {
			clients int
			cred    string
			label   string
		}{{1, fx.token, "API token"}, {32, fx.token, "API token"}, {32, jwt, "JWT"}} {
			sctx, stopSampling := context.WithCancel(ctx)
			peak := gt.sampleRSS(sctx)
			profiled := prof.during(fmt.Sprintf("grpc-get-%d-%s", c.clients, strings.ReplaceAll(strings.ToLower(c.label), " ", "-")), 2*(o.warmup+o.window))
			ours, base, err := paired(c.clients, grpcGet(conn, c.cred, fx.tactic), grpcGet(blConn, c.cred, fx.tactic))
			stopSampling()
			profiled()
			if err != nil {
				return nil, nil, fmt.Errorf("grpc get: %w", err)
			}
			loadedRSS = max(loadedRSS, <-peak)
			tr, lr := ours.perSecond()/base.perSecond(), float64(ours.quantile(0.99))/float64(base.quantile(0.99))
			rows = append(rows, row{what: fmt.Sprintf("Get of a plan element over gRPC, %d client(s), %s", c.clients, c.label),
				baseline: "bare grpc-go server, same message", ours: rate(ours), base: rate(base),
				ratio: fmt.Sprintf("%.2f throughput, %.2f× p99", tr, lr), goal: "≥ 0.7, p99 ≤ 2×", met: yesNo(tr >= 0.7 && lr <= 2)})
		}
		for _, clients := range []int{1, 32} {
			profiled := prof.during(fmt.Sprintf("rest-get-%d", clients), 2*(o.warmup+o.window))
			ours, base, err := paired(clients, restGet(elURL, fx.token), restGet("http://"+blHTTP+"/v1/"+fx.tactic, fx.token))
			profiled()
			if err != nil {
				return nil, nil, fmt.Errorf("rest get: %w", err)
			}
			tr := ours.perSecond() / base.perSecond()
			rows = append(rows, row{what: fmt.Sprintf("The same Get through the REST gateway, %d client(s)", clients),
				baseline: "bare net/http handler, same JSON", ours: rate(ours), base: rate(base),
				ratio: fmt.Sprintf("%.2f", tr), goal: "≥ 0.5", met: yesNo(tr >= 0.5)})
		}
	}

	// Recording measurements.
	bare, err := openBare(ctx, dir, o.repo)
	if err != nil {
		return nil, nil, err
	}
	defer bare.Close()
	notes = append(notes, "Bare SQLite: "+bare.settings(ctx)+", the settings sqldb.Open gives the services' writer.")
	rec := newRecorder(conn, fx.token)
	var recordRate float64 // recordings of one value per second, 1 client
	if o.wants("record") {
		profiled := prof.during("record", 2*(o.warmup+o.window))
		ours, base, err := paired(1, func(ctx context.Context) error { return rec.one(ctx, fx.single, 95) },
			func(ctx context.Context) error { return bare.inserts(ctx, 1) })
		profiled()
		if err != nil {
			return nil, nil, fmt.Errorf("record: %w", err)
		}
		recordRate = ours.perSecond()
		tr := ours.perSecond() / base.perSecond()
		rows = append(rows, row{what: "Record one KPI measurement over gRPC (durable, with its outbox event), 1 client",
			baseline: "bare SQLite insert in a transaction, same durability", ours: rate(ours), base: rate(base),
			ratio: fmt.Sprintf("%.2f", tr), goal: "≥ 0.5", met: yesNo(tr >= 0.5)})
	}

	if o.wants("batch") {
		// Batches, alternating ours and the baseline after one of each to warm up.
		const batchSize, batches = 10000, 5
		profiled := prof.during("batch", 4*time.Second)
		var oursRuns, baseRuns []run
		for i := range batches + 1 {
			o, err := serial(ctx, 0, 1, func(ctx context.Context) error { return rec.batch(ctx, batchSize, fx.batchA, fx.batchB) })
			if err != nil {
				return nil, nil, fmt.Errorf("batch: %w", err)
			}
			b, err := serial(ctx, 0, 1, func(ctx context.Context) error { return bare.inserts(ctx, batchSize) })
			if err != nil {
				return nil, nil, fmt.Errorf("bare batch: %w", err)
			}
			if i > 0 {
				oursRuns, baseRuns = append(oursRuns, o), append(baseRuns, b)
			}
		}
		profiled()
		oursBatch, baseBatch := merge(oursRuns...), merge(baseRuns...)
		oursPerSec := batchSize / oursBatch.quantile(0.5).Seconds()
		basePerSec := batchSize / baseBatch.quantile(0.5).Seconds()
		tr := oursPerSec / basePerSec
		rows = append(rows, row{what: "Batch of 10,000 measurements over gRPC (median of 5)", baseline: "the same bare inserts in one transaction",
			ours:  fmt.Sprintf("%s ms, %s measurements/s", millis(oursBatch.quantile(0.5)), count(oursPerSec)),
			base:  fmt.Sprintf("%s ms, %s/s", millis(baseBatch.quantile(0.5)), count(basePerSec)),
			ratio: fmt.Sprintf("%.2f", tr), goal: "≥ 0.5 and ≥ 100,000/s", met: yesNo(tr >= 0.5 && oursPerSec >= 100000)})
	}

	if o.wants("latency") {
		// Event latency, watched as the operator.
		nc, js, err := gt.operator()
		if err != nil {
			return nil, nil, err
		}
		defer nc.Close()
		acks, unwatch, err := watchAcks(nc)
		if err != nil {
			return nil, nil, err
		}
		defer unwatch()
		oursSample, err := commitToPlanning(ctx, js, acks, rec, fx.thread, events.ServiceStream("goldenthread", "kpis", 1, 0).Name, "planning")
		if err != nil {
			return nil, nil, fmt.Errorf("event latency: %w", err)
		}
		baseSample, stopBase, err := bareJetStream(ctx, js, acks, 256)
		if err != nil {
			return nil, nil, fmt.Errorf("bare jetstream latency: %w", err)
		}
		oursLat, baseLat, err := pairedSamples(o.samples, oursSample, baseSample)
		stopBase()
		if err != nil {
			return nil, nil, fmt.Errorf("event latency: %w", err)
		}
		p99 := func(l []time.Duration) time.Duration { return l[min(len(l)-1, len(l)*99/100)] }
		lr := float64(p99(oursLat)) / float64(p99(baseLat))
		rows = append(rows, row{what: "Event latency, event written in the commit → planning consumer done (KPI status change rolled up)",
			baseline: "bare JetStream: event made, published → consumer ack", ours: latencies(oursLat), base: latencies(baseLat),
			ratio: fmt.Sprintf("%.1f× p99", lr), goal: "p99 ≤ 3×", met: yesNo(lr <= 3)})
	}

	if o.wants("get") {
		rows = append(rows, row{what: "All-in-one resident memory, idle / under the gRPC load above", baseline: "—",
			ours: fmt.Sprintf("%s MiB / %s MiB", mib(idle), mib(loadedRSS)), base: "—", ratio: "—", goal: "reported", met: "—"})
	}
	if o.wants("creates") {
		created, err := createRows(ctx, o, prof, gt.child, &creator{restBase: restBase, token: fx.token}, fx.objective, recordRate)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, created...)
	}
	gt.stop()
	bl.stop()

	if o.wants("tree") {
		// The tree, in the planning package's own benchmarks (only those
		// the rows below read: the others are for profiling by hand).
		cmd := pinned(o.serverCPUs, o.planningTest, "-test.run", "^$", "-test.bench", "^Benchmark(ElementTree|RollupAfterKPIChange|PublishedPlan)$", "-test.benchmem", "-test.benchtime", "10x",
			"-test.count", fmt.Sprint(treeRepeats))
		cmd.Dir = filepath.Join(o.repo, "services", "planning")
		results, _, err := runGoBench(cmd)
		if err != nil {
			return nil, nil, err
		}
		tree := func(n int) benchResult { return results[fmt.Sprintf("BenchmarkElementTree/elements=%d", n)] }
		for _, n := range []int{10000, 100000} {
			big, small := tree(n), tree(n/10)
			if big == nil || small == nil {
				return nil, nil, fmt.Errorf("no tree benchmark for %d or %d elements", n, n/10)
			}
			t, m := big["ns/op"]/small["ns/op"], big["B/op"]/small["B/op"]
			rows = append(rows, row{what: fmt.Sprintf("Tree with roll-up, %s elements (fastest of %d runs)", count(float64(n)), treeRepeats),
				baseline: fmt.Sprintf("itself at %s elements", count(float64(n/10))),
				ours:     fmt.Sprintf("%s ms, %.1f MiB", millis(time.Duration(big["ns/op"])), big["B/op"]/(1<<20)),
				base:     fmt.Sprintf("%s ms, %.1f MiB", millis(time.Duration(small["ns/op"])), small["B/op"]/(1<<20)),
				ratio:    fmt.Sprintf("%.1f× time, %.1f× memory", t, m), goal: "≤ 10× (linear)", met: yesNo(t <= 10 && m <= 10)})
		}
		if r := tree(1000); r != nil {
			notes = append(notes, fmt.Sprintf("Tree with roll-up, 1,000 elements: %s ms, %.1f MiB.", millis(time.Duration(r["ns/op"])), r["B/op"]/(1<<20)))
		}
		// The public page of a published plan: the planning service's read
		// (above) and the gateway's rendering.
		read := results["BenchmarkPublishedPlan"]
		cmd = pinned(o.serverCPUs, o.publicTest, "-test.run", "^$", "-test.bench", "PublicPage", "-test.benchtime", "10x",
			"-test.count", fmt.Sprint(treeRepeats))
		cmd.Dir = filepath.Join(o.repo, "gateway", "public")
		page, _, err := runGoBench(cmd)
		if err != nil {
			return nil, nil, err
		}
		render := page["BenchmarkPublicPage"]
		if read == nil || render == nil {
			return nil, nil, errors.New("no published plan or public page benchmark result")
		}
		public := time.Duration(read["ns/op"] + render["ns/op"])
		rows = append(rows, row{what: fmt.Sprintf("Public page of a published plan of 1,000 elements and 20 KPIs (fastest of %d runs)", treeRepeats),
			baseline: "—", ours: fmt.Sprintf("%s ms: read %s + render %s", millis(public), millis(time.Duration(read["ns/op"])), millis(time.Duration(render["ns/op"]))),
			base: "—", ratio: "—", goal: "< 1 s", met: yesNo(public < time.Second)})
		roll := results["BenchmarkRollupAfterKPIChange"]
		if roll == nil {
			return nil, nil, errors.New("no roll-up benchmark result")
		}
		const depth = 5 // tactic, strategy, objective, mission, vision
		rows = append(rows, row{what: "Roll-up after one KPI change in a 100,000-element tree", baseline: "the element's depth (5)",
			ours: fmt.Sprintf("%.1f elements changed, %s ms", roll["elements/op"], millis(time.Duration(roll["ns/op"]))),
			base: fmt.Sprint(depth), ratio: fmt.Sprintf("%.1f", roll["elements/op"]/depth), goal: "only the ancestors (≤ 5)",
			met: yesNo(roll["elements/op"] <= depth)})
	}

	if o.wants("revision") {
		// What recording a revision adds to a write, alternating in one run.
		cmd := pinned(o.serverCPUs, o.historyTest, "-test.run", "^$", "-test.bench", "RevisionCost", "-test.benchtime", "4000x")
		cmd.Dir = filepath.Join(o.repo, "services", "kit", "history")
		results, _, err := runGoBench(cmd)
		if err != nil {
			return nil, nil, err
		}
		cost := results["BenchmarkRevisionCost"]
		if cost == nil {
			return nil, nil, errors.New("no revision cost benchmark result")
		}
		rows = append(rows, row{what: "A durable update (row + outbox event) with its revision recorded, storage only (2,000 of each, alternating)",
			baseline: "the same update without the revision", ours: ms(time.Duration(cost["ns/write+revision"])),
			base: ms(time.Duration(cost["ns/write"])), ratio: fmt.Sprintf("%.2f", cost["with/without"]),
			goal: "≤ 1.25 (a call over gRPC adds the same fixed cost to both)", met: yesNo(cost["with/without"] <= 1.25)})
	}
	if o.wants("disk") {
		disk, diskNotes, err := diskRows(ctx, o)
		if err != nil {
			return nil, nil, fmt.Errorf("disk: %w", err)
		}
		rows, notes = append(rows, disk...), append(notes, diskNotes...)
	}
	return rows, notes, nil
}

func rate(r run) string {
	return fmt.Sprintf("%s/s, p50 %s, p99 %s", count(r.perSecond()), ms(r.quantile(0.5)), ms(r.quantile(0.99)))
}

func latencies(l []time.Duration) string {
	return fmt.Sprintf("p50 %s, p99 %s", ms(l[len(l)/2]), ms(l[min(len(l)-1, len(l)*99/100)]))
}

func millis(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func mib(b int64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

// markdownTable lays the rows out as a Markdown table.
func markdownTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| What | Baseline | Ours | Baseline measured | Ratio | Goal | Met |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join([]string{r.what, r.baseline, r.ours, r.base, r.ratio, r.goal, r.met}, " | "))
	}
	return b.String()
}

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseGoBench(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkElementTree/elements=1000-2         	      10	  14000000 ns/op	     14000 ns/element	 1958000 B/op	   39650 allocs/op
BenchmarkElementTree/elements=1000-2         	      10	  13118541 ns/op	     13119 ns/element	 1958252 B/op	   39651 allocs/op
BenchmarkElementTree/elements=1000-2         	      10	  13500000 ns/op	     13500 ns/element	 1958100 B/op	   39652 allocs/op
BenchmarkRollupAfterKPIChange-2              	      10	   2869022 ns/op	         4.100 elements/op	   65998 B/op	    1377 allocs/op
PASS
`)
	got := parseGoBench(out)
	tree := got["BenchmarkElementTree/elements=1000"]
	if tree["ns/op"] != 13118541 || tree["B/op"] != 1958252 || tree["allocs/op"] != 39651 {
		t.Errorf("tree: %v", tree)
	}
	if roll := got["BenchmarkRollupAfterKPIChange"]; roll["elements/op"] != 4.1 {
		t.Errorf("roll-up: %v", roll)
	}
	if len(got) != 2 {
		t.Errorf("%d results, want 2: %v", len(got), got)
	}
}

func TestParseAck(t *testing.T) {
	for _, tc := range []struct {
		subject string
		want    ack
		ok      bool
	}{
		{"$JS.ACK.GOLDENTHREAD_KPIS.planning.1.42.17.1700000000000000000.0", ack{stream: "GOLDENTHREAD_KPIS", consumer: "planning", seq: 42}, true},
		{"$JS.ACK.hub.ACCHASH.GOLDENTHREAD_KPIS.planning.1.43.18.1700000000000000000.0.xyz", ack{stream: "GOLDENTHREAD_KPIS", consumer: "planning", seq: 43}, true},
		{"$JS.ACK.S.c.1.notanumber.1.1.0", ack{}, false},
		{"$JS.ACK.short", ack{}, false},
	} {
		got, ok := parseAck(tc.subject)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseAck(%q) = %+v, %v; want %+v, %v", tc.subject, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClosedLoopCountsOnlyTheWindow(t *testing.T) {
	calls := 0
	r, err := closedLoop(context.Background(), 1, 20*time.Millisecond, 100*time.Millisecond, func(context.Context) error {
		calls++
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.calls == 0 || r.calls >= calls {
		t.Errorf("%d calls counted of %d made: the warm-up must not count", r.calls, calls)
	}
	if r.quantile(0.5) < time.Millisecond {
		t.Errorf("median %s, each call sleeps 1ms", r.quantile(0.5))
	}
	boom := errors.New("boom")
	if _, err := closedLoop(context.Background(), 4, 0, 50*time.Millisecond, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a failing call: %v", err)
	}
}

func TestCount(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 123456.6: "123,457", 1e7: "10,000,000"} {
		if got := count(v); got != want {
			t.Errorf("count(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestWriteReportKeepsTheHandWrittenPart(t *testing.T) {
	path := t.TempDir() + "/BENCHMARKS.md"
	for i, table := range []string{"| first |\n", "| second |\n"} {
		if err := writeReport(path, environment{}, table, nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			raw, _ := os.ReadFile(path)
			kept := strings.Replace(string(raw), "(none yet)", "notes by hand", 1)
			if err := os.WriteFile(path, []byte(kept), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(raw)
	if strings.Count(got, "\n"+keptHeading+"\n") != 1 || !strings.Contains(got, "notes by hand") ||
		!strings.Contains(got, "| second |") || strings.Contains(got, "| first |") {
		t.Errorf("report after two runs:\n%s", got)
	}
}

func TestMeasureDir(t *testing.T) {
	dir := t.TempDir()
	for name, size := range map[string]int{"planning.db": 4096, "planning.db-wal": 8192, "planning.db-shm": 32768,
		"kpis.db": 1024, "nats/jetstream/a.blk": 100, "nats/jetstream/b.blk": 50} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	u, err := measureDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if u.total != 4096+8192+32768+1024+150 || u.live != 4096+1024+150 || u.wal != 8192 || u.walName != "planning.db-wal" {
		t.Errorf("%+v", u)
	}
	if u.byStore["planning.db"] != 4096 || u.byStore["kpis.db"] != 1024 || u.byStore["nats"] != 150 || len(u.byStore) != 3 {
		t.Errorf("by store %v", u.byStore)
	}
	before := diskUse{byStore: map[string]int64{"planning.db": 2048, "kpis.db": 1024}}
	if got := perItem(before, u, 2); got != "planning.db 1,024, nats 75" {
		t.Errorf("per item %q", got)
	}
}

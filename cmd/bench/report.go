package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// environment is what the report says about the run.
type environment struct {
	cpu, cores, goVersion, kernel string
	commit, date                  string
	command                       string
	driverCPUs, serverCPUs        string
	loadBefore                    string
	took                          time.Duration
}

func describe(o options, args []string) environment {
	e := environment{goVersion: runtime.Version(), date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		kernel: sh("", "uname", "-sr"), serverCPUs: o.serverCPUs}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n := 0
		for l := range strings.Lines(string(raw)) {
			if k, v, ok := strings.Cut(l, ":"); ok {
				switch strings.TrimSpace(k) {
				case "model name":
					e.cpu = strings.TrimSpace(v)
				case "processor":
					n++
				}
			}
		}
		e.cores = fmt.Sprint(n)
	}
	e.commit = sh(o.repo, "git", "rev-parse", "--short=12", "HEAD")
	if sh(o.repo, "git", "status", "--porcelain", "--untracked-files=no") != "" {
		e.commit += " (with uncommitted changes)"
	}
	if raw, err := os.ReadFile("/proc/self/status"); err == nil {
		for l := range strings.Lines(string(raw)) {
			if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
				e.driverCPUs = strings.TrimSpace(v)
			}
		}
	}
	e.loadBefore = firstLine("/proc/loadavg")
	e.command = strings.Join(append([]string{"bin/bench"}, args...), " ")
	return e
}

// keptHeading starts the hand-written part of BENCHMARKS.md, which a new
// run keeps.
const keptHeading = "## Findings and fixes"

// writeReport writes path: the run's description and table, then the
// hand-written part of the file already there.
func writeReport(path string, e environment, table string, notes []string) error {
	kept := "\n" + keptHeading + "\n\n(none yet)\n"
	if old, err := os.ReadFile(path); err == nil {
		// The heading at the start of a line; the header above names it too.
		if i := strings.Index(string(old), "\n"+keptHeading+"\n"); i >= 0 {
			kept = string(old[i:])
		}
	}
	server := "CPUs " + e.serverCPUs + " (taskset -c " + e.serverCPUs + "; Go sets GOMAXPROCS to the CPUs it may use)"
	if e.serverCPUs == "" {
		server = "not pinned (no taskset, or -server-cpus empty): client and server share the cores"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Benchmarks

Written by `+"`make bench`"+` (cmd/bench); do not edit above %q.

- Machine: %s, %s cores, %s; %s
- Date: %s; commit %s
- Command: `+"`make bench`"+`, which builds bin/goldenthread, bin/bench and bin/planning.test (`+"`go test -c`"+` of services/planning), then runs `+"`%s`"+`
- Client (the driver): CPUs %s. Servers (the all-in-one, the baseline servers, the tree benchmarks): %s.
- Load average when the run started: %s
- The run took %s.

Every ratio is ours ÷ baseline (for latency lower is better), both measured in this run with the same client on the
same cores. Throughput rows are closed loops: each client sends its next call when the last returned. Ours and the
baseline alternate in %d rounds (warm-up, then a measured window; only calls that start and end inside it count), and
batches alternate one by one, so that other work on the machine falls on both alike.

%s
`, keptHeading, e.cpu, e.cores, e.goVersion, e.kernel, e.date, e.commit, e.command, e.driverCPUs, server, e.loadBefore,
		e.took.Round(time.Second), rounds, table)
	for _, n := range notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString(kept)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

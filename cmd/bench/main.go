// Command bench is `make bench`: it starts the all-in-one (cmd/goldenthread)
// and bare baselines — a plain grpc-go server, a plain net/http handler, a
// plain SQLite file, a plain JetStream stream — measures each row of the
// table against its baseline in the same run, prints the table and writes
// BENCHMARKS.md.
//
// The servers run as child processes pinned to -server-cpus with taskset;
// run the driver itself pinned to the other cores (make bench does), so
// that client and server do not share a core.
//
// `bench baseline` is the baseline server process the driver starts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "baseline" {
		err = serveBaseline(os.Args[2:])
	} else {
		err = drive(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the driver's flags.
type options struct {
	goldenthread, planningTest string
	historyTest                string
	publicTest                 string
	serverCPUs                 string
	repo, out                  string
	warmup, window             time.Duration
	samples, createSamples     int
	profile                    string
	// rows are the groups of rows to run (see rowGroups); empty: all.
	rows []string
}

// rowGroups are the groups of rows -rows may choose, in the table's order.
var rowGroups = []string{"get", "record", "batch", "latency", "creates", "tree", "revision", "disk"}

// wants reports whether the run includes the rows of group.
func (o options) wants(group string) bool { return len(o.rows) == 0 || slices.Contains(o.rows, group) }

func drive(args []string) error {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.goldenthread, "goldenthread", "bin/goldenthread", "the all-in-one binary")
	fs.StringVar(&o.planningTest, "planning-test", "bin/planning.test", "the planning service's compiled tests (go test -c), for the tree benchmarks")
	fs.StringVar(&o.historyTest, "history-test", "bin/history.test", "the kit's history package's compiled tests (go test -c), for the revision's cost")
	fs.StringVar(&o.publicTest, "public-test", "bin/public.test", "the gateway's public pages' compiled tests (go test -c), for a public page's rendering")
	fs.StringVar(&o.serverCPUs, "server-cpus", "0", "CPUs (a taskset list) for the server processes; empty: no pinning")
	fs.StringVar(&o.repo, "repo", ".", "the repository: for its commit, the planning package directory and the KPI service's migrations")
	fs.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the report; empty: only print the table")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each throughput measurement")
	fs.DurationVar(&o.window, "window", 3*time.Second, "length of each throughput measurement")
	fs.IntVar(&o.samples, "samples", 500, "events timed for the latency row, each way")
	fs.StringVar(&o.profile, "profile", "", "directory for CPU profiles of the all-in-one, one per row (<row>.pprof); empty: none")
	fs.IntVar(&o.createSamples, "create-samples", 100, "creates timed at each number of siblings")
	groups := fs.String("rows", "", "comma-separated groups of rows to run, of "+strings.Join(rowGroups, ", ")+"; empty: all (a report of some rows is for trying things, not for BENCHMARKS.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *groups != "" {
		o.rows = strings.Split(*groups, ",")
		for _, g := range o.rows {
			if !slices.Contains(rowGroups, g) {
				return fmt.Errorf("-rows: no group %q (groups: %s)", g, strings.Join(rowGroups, ", "))
			}
		}
	}
	if o.serverCPUs != "" {
		if _, err := exec.LookPath("taskset"); err != nil {
			fmt.Fprintln(os.Stderr, "bench: taskset not found: the servers run unpinned")
			o.serverCPUs = ""
		}
	}
	for _, p := range []*string{&o.goldenthread, &o.planningTest, &o.historyTest, &o.publicTest} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := describe(o, args)
	started := time.Now()
	rows, notes, err := measure(ctx, o)
	if err != nil {
		return err
	}
	env.took = time.Since(started)
	table := markdownTable(rows)
	fmt.Println(table)
	for _, n := range notes {
		fmt.Println("- " + n)
	}
	if o.out == "" {
		return nil
	}
	return writeReport(o.out, env, table, notes)
}

// sh runs a command and returns its trimmed output, or "" when it fails.
func sh(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

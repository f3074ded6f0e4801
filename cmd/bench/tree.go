package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// treeRepeats is how many times the tree benchmarks run, each size in
// turn; the fastest run of each size counts.
const treeRepeats = 3

// benchResult is one line of `go test -bench` output: its metrics by unit
// (ns/op, B/op, allocs/op, and custom ones such as elements/op).
type benchResult map[string]float64

// runGoBench runs a compiled test binary's benchmarks (dir is its package
// directory, where it reads its files) and returns each benchmark's result
// by name, without the -N GOMAXPROCS suffix.
func runGoBench(cmd *exec.Cmd) (map[string]benchResult, string, error) {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return nil, out.String(), fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	return parseGoBench(out.Bytes()), out.String(), nil
}

// parseGoBench reads the result lines of `go test -bench` output. Of a
// benchmark run several times (-test.count), it keeps the fastest run: the
// one least disturbed by the rest of the machine.
func parseGoBench(out []byte) map[string]benchResult {
	results := map[string]benchResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		r := benchResult{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r[f[i+1]] = v
			}
		}
		if prev, ok := results[name]; !ok || r["ns/op"] < prev["ns/op"] {
			results[name] = r
		}
	}
	return results
}

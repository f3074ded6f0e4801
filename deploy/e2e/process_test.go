package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is one service binary the test runs, kills and restarts with the
// same arguments, as a supervisor would.
type process struct {
	name    string
	path    string
	args    []string
	metrics string // host:port of its /metrics, "" when it has none
	log     *os.File
	cmd     *exec.Cmd
	exited  chan struct{}
}

// startProcess starts the binary path, appending its output to a log file
// in dir that the test prints the end of when it fails.
func startProcess(t *testing.T, dir, name, path, metrics string, args ...string) *process {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	p := &process{name: name, path: path, args: args, metrics: metrics, log: log}
	p.start(t)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("last lines of %s's log:\n%s", name, tail(log.Name(), 40))
		}
		log.Close()
	})
	return p
}

func (p *process) start(t *testing.T) {
	t.Helper()
	fmt.Fprintf(p.log, "=== e2e: starting %s\n", p.name)
	p.cmd = exec.Command(p.path, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(p.cmd, p.exited)
}

// kill sends SIGKILL: no shutdown, no draining, as a crash or the OOM
// killer would.
func (p *process) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	fmt.Fprintf(p.log, "=== e2e: %s killed with SIGKILL\n", p.name)
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if !p.cmd.ProcessState.Success() {
			t.Errorf("%s did not stop cleanly: %v", p.name, p.cmd.ProcessState)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s still running 20s after SIGTERM", p.name)
		p.kill()
	}
}

// rssKiB is the process's resident set size, from /proc. It may be called
// from any goroutine: it reports a failure with t.Errorf and returns 0.
func (p *process) rssKiB(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Errorf("%s: %v", p.name, err)
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Errorf("%s: VmRSS %q: %v", p.name, v, err)
			}
			return n
		}
	}
	t.Errorf("%s: no VmRSS in /proc", p.name)
	return 0
}

// metric sums the samples of the Prometheus metric name whose labels
// include every one of labels (`key="value"` each), from the process's
// /metrics endpoint.
func (p *process) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.metrics + "/metrics")
	if err != nil {
		t.Fatalf("%s metrics: %v", p.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s metrics: %v", p.name, err)
	}
	var sum float64
lines:
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue lines
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("%s metrics: %q: %v", p.name, line, err)
		}
		sum += v
	}
	return sum
}

// proxy forwards TCP connections to target until cut: then it closes the
// connections it carries and refuses new ones, which is how a service sees
// a network partition from NATS. It is the test's fault-injection device.
type proxy struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{lis: lis, target: target, up: true, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() { lis.Close(); p.cut() })
	return p
}

// url is the NATS URL that reaches the target through the proxy.
func (p *proxy) url() string { return "nats://" + p.lis.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.lis.Accept()
		if err != nil {
			return
		}
		go p.carry(c)
	}
}

func (p *proxy) carry(client net.Conn) {
	p.mu.Lock()
	up := p.up
	p.mu.Unlock()
	if !up {
		client.Close()
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if !p.up {
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client], p.conns[server] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) { _, _ = io.Copy(dst, src); done <- struct{}{} }
	go pipe(server, client)
	go pipe(client, server)
	<-done
	client.Close()
	server.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// cut drops every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = true
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestServicesAsSeparateProcesses builds the services and the gateway as
// their own binaries and runs them as an operator would: each its own
// process with its own address and database, sharing a NATS. They use
// PostgreSQL and the external NATS when the test environment names them.
func TestServicesAsSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries; skipped with -short")
	}
	bin := t.TempDir()
	for _, pkg := range []string{
		"github.com/goldenthread/goldenthread/services/organisations/cmd/organisations",
		"github.com/goldenthread/goldenthread/services/teams/cmd/teams",
		"github.com/goldenthread/goldenthread/services/planning/cmd/planning",
		"github.com/goldenthread/goldenthread/services/kpis/cmd/kpis",
		"github.com/goldenthread/goldenthread/gateway/cmd/gateway",
	} {
		out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}

	dsn := func(name string) string {
		if os.Getenv(sqldbtest.PostgresEnv) != "" {
			return sqldbtest.PostgresDSN(t)
		}
		return filepath.Join(t.TempDir(), name+".db")
	}
	// The services share one NATS: the external one, or the organisations
	// service's embedded server opened on a TCP port for the others, which
	// connect as their own users with the passwords it writes to its data
	// directory as it starts (they retry until the files are there).
	natsURL := os.Getenv(brokertest.NATSEnv)
	orgData := t.TempDir()
	orgNATS := []string{"-data-dir", orgData, "-nats-url", natsURL}
	natsAs := func(string) []string { return []string{"-nats-url", natsURL} }
	prefix := "goldenthread"
	if natsURL != "" {
		prefix = brokertest.Prefix(t, brokertest.External(t))
	} else {
		t.Logf("%s is not set: the services share the organisations service's embedded NATS", brokertest.NATSEnv)
		listen := apitest.FreeAddr(t)
		orgNATS = []string{"-data-dir", orgData, "-nats-listen", listen}
		natsURL = "nats://" + listen
		natsAs = func(user string) []string {
			return []string{"-nats-url", natsURL, "-nats-user", user, "-nats-password-file", filepath.Join(orgData, "nats", user+".password")}
		}
	}

	orgAddr, teamsAddr, planningAddr, kpisAddr, httpAddr := apitest.FreeAddr(t), apitest.FreeAddr(t), apitest.FreeAddr(t), apitest.FreeAddr(t), apitest.FreeAddr(t)
	orgs := startProcess(t, filepath.Join(bin, "organisations"), append([]string{"-grpc-addr", orgAddr,
		"-metrics-addr", apitest.FreeAddr(t), "-dsn", dsn("organisations"), "-subject-prefix", prefix}, orgNATS...)...)
	tms := startProcess(t, filepath.Join(bin, "teams"), append(natsAs("teams"), "-grpc-addr", teamsAddr, "-metrics-addr", apitest.FreeAddr(t),
		"-dsn", dsn("teams"), "-subject-prefix", prefix, "-organisations-addr", orgAddr)...)
	plan := startProcess(t, filepath.Join(bin, "planning"), append(natsAs("planning"), "-grpc-addr", planningAddr, "-metrics-addr", apitest.FreeAddr(t),
		"-dsn", dsn("planning"), "-subject-prefix", prefix, "-organisations-addr", orgAddr,
		"-teams-addr", teamsAddr, "-kpis-addr", kpisAddr)...)
	measures := startProcess(t, filepath.Join(bin, "kpis"), append(natsAs("kpis"), "-grpc-addr", kpisAddr, "-metrics-addr", apitest.FreeAddr(t),
		"-dsn", dsn("kpis"), "-subject-prefix", prefix, "-organisations-addr", orgAddr,
		"-teams-addr", teamsAddr, "-planning-addr", planningAddr)...)
	gw := startProcess(t, filepath.Join(bin, "gateway"), append(natsAs("gateway"), "-http-addr", httpAddr, "-organisations-addr", orgAddr,
		"-teams-addr", teamsAddr, "-planning-addr", planningAddr, "-kpis-addr", kpisAddr, "-subject-prefix", prefix)...)

	base := "http://" + httpAddr
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body, err := tryHTTP("", "GET", base+"/readyz", "")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway never ready: %d %s %v", code, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The organisations service made the first platform token in its data
	// directory on its first start.
	raw, err := os.ReadFile(filepath.Join(orgData, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(raw))
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations?organisation_id=east-council",
		`{"display_name":"East Council","kind":"KIND_COUNCIL"}`); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := httpDo(t, admin, "GET", base+"/v1/organisations/east-council", ""); code != 200 || !strings.Contains(body, "East Council") {
		t.Fatalf("get: %d %s", code, body)
	}
	// The teams process checks the organisation with the organisations
	// process, then reacts to its deletion through NATS.
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations/east-council/teams?team_id=board",
		`{"display_name":"Board","kind":"KIND_LEADERSHIP"}`); code != 200 {
		t.Fatalf("create team: %d %s", code, body)
	}
	// The planning process checks the owner team with the teams process.
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations/east-council/elements?element_id=vision",
		`{"level":"LEVEL_VISION","title":"A council people trust","owner_team":"organisations/east-council/teams/board",`+
			`"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`); code != 200 {
		t.Fatalf("create element: %d %s", code, body)
	}
	// The KPI process checks the element with the planning process; a red
	// value reaches the vision through NATS.
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations/east-council/kpis?kpi_id=trust",
		`{"title":"Residents who trust the council","unit":"UNIT_PERCENT","direction":"DIRECTION_HIGHER_IS_BETTER",`+
			`"frequency":"FREQUENCY_YEARLY","element":"organisations/east-council/elements/vision",`+
			`"owner_team":"organisations/east-council/teams/board","targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":80}],`+
			`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":0,"amber_within":10}}`); code != 200 {
		t.Fatalf("create KPI: %d %s", code, body)
	}
	year := time.Now().Year()
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations/east-council/kpis/trust/measurements",
		fmt.Sprintf(`{"period_end":{"year":%d,"month":12,"day":31},"value":40}`, year)); code != 200 {
		t.Fatalf("record: %d %s", code, body)
	}
	apitest.Eventually(t, 15*time.Second, "the red KPI has not turned the vision off track", func() bool {
		_, body := httpDo(t, admin, "GET", base+"/v1/organisations/east-council/elements/vision", "")
		return strings.Contains(body, "HEALTH_OFF_TRACK")
	})
	if code, body := httpDo(t, admin, "DELETE", base+"/v1/organisations/east-council", ""); code != 200 {
		t.Fatalf("delete organisation: %d %s", code, body)
	}
	// Teams and KPIs react to the deletion through NATS.
	for _, collection := range []string{"teams", "kpis"} {
		apitest.Eventually(t, 15*time.Second, collection+" of the deleted organisation are still listed", func() bool {
			_, body := httpDo(t, admin, "GET", base+"/v1/organisations/east-council/"+collection, "")
			return body == "{}"
		})
	}

	// SIGTERM: every process shuts down cleanly.
	for _, p := range []*exec.Cmd{gw, measures, plan, tms, orgs} {
		if err := p.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := waitExit(p, 15*time.Second); err != nil {
			t.Errorf("%s did not stop cleanly: %v", filepath.Base(p.Path), err)
		}
	}
}

func startProcess(t *testing.T, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(path), logs.String())
		}
	})
	return cmd
}

func waitExit(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		return fmt.Errorf("still running after %s", d)
	}
}

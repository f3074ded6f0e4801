package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
)

// launch starts the all-in-one on free ports with dataDir (and more
// flags, if given) and returns it with a function that stops it.
func launch(t *testing.T, dataDir string, flags ...string) (*process, func()) {
	t.Helper()
	s, err := parse(append([]string{"-data-dir", dataDir, "-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0"}, flags...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := start(ctx, s, brokertest.Logger())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := p.wait(); err != nil {
				t.Errorf("all-in-one stopped with %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return p, stop
}

// httpDo makes a request with the bearer token, failing the test when
// there is no answer.
func httpDo(t *testing.T, token, method, url, body string) (int, string) {
	t.Helper()
	code, raw, err := tryHTTP(token, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, raw
}

func tryHTTP(token, method, url, body string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

func TestAllInOne(t *testing.T) {
	dataDir := t.TempDir()
	p, stop := launch(t, dataDir)
	base := "http://" + p.httpAddr

	// The first start made a platform admin token and saved it for its
	// owner only; without a token, data calls are refused.
	if p.adminToken == "" {
		t.Fatal("no admin token on the first start")
	}
	saved, err := os.ReadFile(p.adminTokenFile)
	if err != nil || strings.TrimSpace(string(saved)) != p.adminToken {
		t.Fatalf("admin token file: %q, %v", saved, err)
	}
	if fi, _ := os.Stat(p.adminTokenFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("admin token file mode %v, want 0600", fi.Mode().Perm())
	}
	// The data directory (made 0755 by t.TempDir) and the databases in it
	// are the owner's alone.
	if fi, _ := os.Stat(dataDir); fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, want 0700", fi.Mode().Perm())
	}
	dbs, _ := filepath.Glob(filepath.Join(dataDir, "*.db*"))
	if len(dbs) < 4 {
		t.Errorf("databases in the data directory: %v", dbs)
	}
	for _, f := range dbs {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	if code, _ := httpDo(t, "", "GET", base+"/v1/organisations", ""); code != 401 {
		t.Fatalf("no token: %d, want 401", code)
	}
	admin := p.adminToken

	code, body := httpDo(t, admin, "POST", base+"/v1/organisations?organisation_id=shared-services",
		`{"display_name":"Shared Services Ltd","kind":"KIND_SHARED_SERVICE_COMPANY"}`)
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}

	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// grpcurl list: server reflection names the services.
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	rcancel() // an open stream would hold up graceful shutdown
	var services []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		services = append(services, s.Name)
	}
	for _, want := range []string{"goldenthread.organisations.v1.OrganisationsService", "grpc.health.v1.Health"} {
		if !strings.Contains(strings.Join(services, " "), want) {
			t.Errorf("reflection lists %v, missing %s", services, want)
		}
	}

	// Health turns SERVING once the database and NATS answer.
	for {
		h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "goldenthread.organisations.v1.OrganisationsService"})
		if err == nil && h.Status == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("never SERVING: %v %v", h, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := httpDo(t, "", "GET", base+"/metrics", ""); code != 200 || !strings.Contains(body, `grpc_server_handled_total{caller="gateway",grpc_code="OK",grpc_method="CreateOrganisation",grpc_service="goldenthread.organisations.v1.OrganisationsService",grpc_type="unary"}`) {
		t.Errorf("metrics: %d %.300s", code, body)
	}

	// Give the relay a moment to publish, then restart on the same data.
	time.Sleep(300 * time.Millisecond)
	stop()
	p, _ = launch(t, dataDir)
	if p.adminToken != "" {
		t.Error("a second admin token was made on restart")
	}
	code, body = httpDo(t, admin, "GET", "http://"+p.httpAddr+"/v1/organisations/shared-services", "")
	if code != 200 || !strings.Contains(body, "Shared Services Ltd") {
		t.Fatalf("after restart: %d %s", code, body)
	}
}

package grpcserver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
)

// faulty misbehaves on purpose: EmptyCall panics, UnaryCall returns an
// error carrying details a caller must not see.
type faulty struct {
	testpb.UnimplementedTestServiceServer
}

func (faulty) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	panic("boom")
}

func (faulty) UnaryCall(context.Context, *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	return nil, errors.New(`pq: relation "secret_table" does not exist`)
}

// oneToken accepts the credential "test" only.
type oneToken struct{}

func (oneToken) Resolve(_ context.Context, cred string) (*auth.Principal, error) {
	if cred != "test" {
		return nil, auth.Unauthenticated("unknown")
	}
	return &auth.Principal{Subject: "user:test"}, nil
}

func TestServerContainsFaultsAndReportsReadiness(t *testing.T) {
	srv, err := grpcserver.New(brokertest.Logger(), oneToken{}, auth.Policy{
		"/grpc.testing.TestService/EmptyCall": auth.AnyCaller,
		"/grpc.testing.TestService/UnaryCall": auth.AnyCaller,
	}, grpcserver.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	testpb.RegisterTestServiceServer(srv.GRPC, faulty{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.GRPC.Serve(lis) }()
	defer srv.Shutdown(time.Second)

	ready := make(chan error, 1)
	ready <- errors.New("database down")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.WatchReadiness(ctx, 20*time.Millisecond, map[string]grpcserver.Check{
		"db": func(context.Context) error {
			select {
			case err := <-ready:
				ready <- err
				return err
			default:
				return nil
			}
		},
	})

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := testpb.NewTestServiceClient(conn)
	health := healthpb.NewHealthClient(conn)

	waitStatus := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "grpc.testing.TestService"})
			if err == nil && resp.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("health = %v, %v; want %v", resp, err, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitStatus(healthpb.HealthCheckResponse_NOT_SERVING)
	<-ready // the database comes back
	waitStatus(healthpb.HealthCheckResponse_SERVING)

	if _, err := client.EmptyCall(ctx, &testpb.Empty{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("call without credentials: %v, want UNAUTHENTICATED", err)
	}
	stream, err := client.StreamingOutputCall(auth.WithCredential(ctx, "test"), &testpb.StreamingOutputCallRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("stream without an access rule: %v, want PERMISSION_DENIED", err)
	}
	ctx = auth.WithCredential(ctx, "test")
	_, err = client.EmptyCall(ctx, &testpb.Empty{})
	if status.Code(err) != codes.Internal {
		t.Fatalf("panicking handler: %v, want INTERNAL", err)
	}
	_, err = client.UnaryCall(ctx, &testpb.SimpleRequest{})
	if status.Code(err) != codes.Internal || strings.Contains(err.Error(), "secret_table") {
		t.Fatalf("raw error reached the caller: %v", err)
	}
	// The server survived the panic.
	if _, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("server down after panic: %v", err)
	}

	// The standard gRPC server metrics count every call, with its type and
	// caller: a call naming another service as its caller, the others as
	// clients'.
	_, _ = client.UnaryCall(metadata.AppendToOutgoingContext(ctx, interceptor.CallerKey, interceptor.CallerService), &testpb.SimpleRequest{})
	rec := httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`grpc_server_started_total{caller="client",grpc_method="EmptyCall",grpc_service="grpc.testing.TestService",grpc_type="unary"} 2`,
		`grpc_server_handled_total{caller="client",grpc_code="Internal",grpc_method="UnaryCall",grpc_service="grpc.testing.TestService",grpc_type="unary"} 1`,
		`grpc_server_handled_total{caller="service",grpc_code="Internal",grpc_method="UnaryCall",grpc_service="grpc.testing.TestService",grpc_type="unary"} 1`,
		`grpc_server_handled_total{caller="client",grpc_code="PermissionDenied",grpc_method="StreamingOutputCall",grpc_service="grpc.testing.TestService",grpc_type="server_stream"} 1`,
		`grpc_server_handling_seconds_bucket{caller="client",grpc_method="EmptyCall",grpc_service="grpc.testing.TestService",grpc_type="unary",le="0.0005"}`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestConnectionLimits: a connection that never finishes its handshake,
// and one that makes no call, are closed after the limits, not held for
// minutes.
func TestConnectionLimits(t *testing.T) {
	limits := grpcserver.Limits{HandshakeTimeout: 300 * time.Millisecond, IdleTimeout: 500 * time.Millisecond}
	srv, err := grpcserver.New(brokertest.Logger(), oneToken{}, auth.Policy{}, limits)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)

	closedWithin := func(conn net.Conn, d time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		_ = conn.SetReadDeadline(start.Add(d))
		if _, err := io.Copy(io.Discard, conn); err != nil {
			t.Fatalf("still open after %s: %v", d, err)
		}
		return time.Since(start)
	}
	// Silent: no HTTP/2 preface at all.
	silent, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if took := closedWithin(silent, 5*time.Second); took < limits.HandshakeTimeout/2 {
		t.Errorf("closed after %s, before the handshake timeout", took)
	}

	// Idle: a finished handshake, then no call.
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for s := conn.GetState(); s != connectivity.Ready; s = conn.GetState() {
		if !conn.WaitForStateChange(ctx, s) {
			t.Fatalf("never ready: %v", s)
		}
	}
	start := time.Now()
	if !conn.WaitForStateChange(ctx, connectivity.Ready) {
		t.Fatal("an idle connection was still open after 5s")
	}
	if took := time.Since(start); took < limits.IdleTimeout/2 {
		t.Errorf("an idle connection closed after %s, before the idle timeout", took)
	}
}

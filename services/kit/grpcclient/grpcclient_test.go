package grpcclient_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
)

// replica is a gRPC server counting the calls it answers, and those that
// named their caller's kind.
type replica struct {
	addr         string
	calls, named atomic.Int64
}

func startReplica(t *testing.T) *replica {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{addr: lis.Addr().String()}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		r.calls.Add(1)
		if v := metadata.ValueFromIncomingContext(ctx, interceptor.CallerKey); len(v) == 1 && v[0] == interceptor.CallerService {
			r.named.Add(1)
		}
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

// A service name that resolves to two replicas (as a headless Kubernetes
// Service does) gets calls on both, not all on the first.
func TestDialSpreadsCallsOverReplicas(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	names := manual.NewBuilderWithScheme("replicas")
	names.InitialState(resolver.State{Addresses: []resolver.Address{{Addr: a.addr}, {Addr: b.addr}}})
	resolver.Register(names)

	conn, err := grpcclient.Dial("replicas:///planning", interceptor.CallerService)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Round robin uses each replica once it is connected; the second may
	// connect a little after the first calls went out.
	apitest.Eventually(t, 5*time.Second, "calls go to one replica only", func() bool {
		if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
			t.Fatal(err)
		}
		return a.calls.Load() > 0 && b.calls.Load() > 0
	})
	if a.named.Load() != a.calls.Load() || b.named.Load() != b.calls.Load() {
		t.Errorf("calls naming their caller: %d of %d and %d of %d", a.named.Load(), a.calls.Load(), b.named.Load(), b.calls.Load())
	}
}

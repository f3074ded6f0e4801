// Package grpcclient opens the client connections services and the gateway
// use to call each other.
package grpcclient

import (
	"context"
	"fmt"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/tracing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/goldenthread/goldenthread/services/kit/auth"
)

// DefaultTimeout bounds a call whose context carries no deadline, so that
// no outbound call can hang forever.
const DefaultTimeout = 10 * time.Second

// roundRobin spreads calls over every address the target resolves to: with
// a headless Kubernetes Service, every ready replica of the service. (The
// default, pick_first, would send all of a caller's calls to one replica.)
const roundRobin = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// Dial returns a connection to the gRPC server at addr. It connects lazily
// and reconnects by itself: while the server is down, calls fail at once
// with UNAVAILABLE instead of waiting. When addr's host name resolves to
// several addresses, calls are spread over all of them. caller is the
// caller's kind (interceptor.CallerService or CallerGateway), which the
// server's metrics label its calls with.
func Dial(addr, caller string) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(roundRobin),
		grpc.WithChainUnaryInterceptor(interceptors(caller)...),
	}
	if tracing.Active() {
		// A span per call, carrying the trace on to the service called.
		opts = append(opts, grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("grpc client for %q: %w", addr, err)
	}
	return conn, nil
}

// interceptors are what every call of a caller's kind runs through before
// it leaves, over the network or in process (Local).
func interceptors(caller string) []grpc.UnaryClientInterceptor {
	return []grpc.UnaryClientInterceptor{defaultDeadline, forwardCredentials, interceptor.Caller(caller)}
}

// forwardCredentials passes the credentials of the call being served on to
// the calls it makes, so that the service called checks the same caller —
// a service never acts with more rights than whoever asked it.
func forwardCredentials(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if out, _ := metadata.FromOutgoingContext(ctx); len(out.Get(auth.MetadataKey)) == 0 {
		if cred := auth.Credential(ctx); cred != "" {
			ctx = auth.WithCredential(ctx, cred)
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func defaultDeadline(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

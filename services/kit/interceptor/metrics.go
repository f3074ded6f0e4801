package interceptor

import (
	"context"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// CallerKey is the metadata key a caller names its kind under (see
// Caller), so that a service's metrics tell the calls of the other
// services and of the gateway from those of clients.
const CallerKey = "gt-caller"

// The kinds of caller the metrics' caller label takes: what a caller sends
// under CallerKey when it is one of these, and "client" otherwise (the
// label's values stay a fixed few, whatever a caller sends).
const (
	CallerService = "service"
	CallerGateway = "gateway"
	CallerClient  = "client"
)

// Metrics are go-grpc-middleware's Prometheus server metrics, under the
// names dashboards for grpc-go servers already use (grpc_server_started_total,
// grpc_server_handled_total, grpc_server_msg_received_total,
// grpc_server_msg_sent_total with grpc_type, grpc_service and grpc_method,
// and the grpc_server_handling_seconds histogram), each with a caller label
// (CallerService, CallerGateway or CallerClient).
type Metrics struct{ server *grpcprom.ServerMetrics }

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{server: grpcprom.NewServerMetrics(
		grpcprom.WithContextLabels("caller"),
		grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(
			[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10})),
	)}
	reg.MustRegister(m.server)
	return m
}

// Unary is the unary interceptor.
func (m *Metrics) Unary() grpc.UnaryServerInterceptor {
	return m.server.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(callerLabel))
}

// Stream is the streaming interceptor.
func (m *Metrics) Stream() grpc.StreamServerInterceptor {
	return m.server.StreamServerInterceptor(grpcprom.WithLabelsFromContext(callerLabel))
}

// callerLabel is the caller label of an incoming call.
func callerLabel(ctx context.Context) prometheus.Labels {
	kind := CallerClient
	if v := metadata.ValueFromIncomingContext(ctx, CallerKey); len(v) == 1 && (v[0] == CallerService || v[0] == CallerGateway) {
		kind = v[0]
	}
	return prometheus.Labels{"caller": kind}
}

// Caller is a client interceptor that names the caller's kind on every
// call it makes (CallerService or CallerGateway).
func Caller(kind string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(metadata.AppendToOutgoingContext(ctx, CallerKey, kind), method, req, reply, cc, opts...)
	}
}

// Package grpcserver builds the gRPC server every service runs on: the
// standard interceptors (logging, metrics, error sanitising, panic recovery,
// authentication, validation, authorisation — in that order), the
// grpc.health.v1 service fed by real readiness checks, server reflection (so
// grpcurl works), and a Prometheus registry for the metrics endpoint.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"time"

	"buf.build/go/protovalidate"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
)

// Server is a gRPC server with health, reflection and metrics.
type Server struct {
	// GRPC is where services register their handlers.
	GRPC *grpc.Server
	// Registry holds the server's metrics; serve it with MetricsHandler.
	Registry *prometheus.Registry

	health *health.Server
	logger *slog.Logger
	// unary is the chain of interceptors every unary call runs through,
	// in process (Call) too; handlers are the methods registered, by
	// full name.
	unary    grpc.UnaryServerInterceptor
	handlers map[string]registered
}

// registered is one unary method of a service registered on the server.
type registered struct {
	impl   any
	method grpc.MethodDesc
}

// MaxConnectionAge is how long a client's connection lasts before the
// server asks it, gracefully, to reconnect. Clients resolve the service's
// name again when they do, so replicas added since are used within this
// time.
const MaxConnectionAge = 5 * time.Minute

// streamWorkersPerCPU sizes the pool of goroutines that run calls. Calls
// arriving while every worker is busy still run at once, on a goroutine of
// their own; more workers than CPUs keep that rare when handlers wait on
// the disk or other services.
const streamWorkersPerCPU = 8

// New builds the server. Every call but health checks and reflection must
// carry credentials that resolver accepts, and pass policy.
func New(logger *slog.Logger, resolver auth.Resolver, policy auth.Policy, limits Limits) (*Server, error) {
	if resolver == nil {
		return nil, errors.New("grpc server: no credential resolver")
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := interceptor.NewMetrics(reg)
	logUnary, logStream := interceptor.Logging(logger)
	recoverUnary, recoverStream := interceptor.Recovery(logger)

	unary := chainUnary(
		logUnary,
		metrics.Unary(),
		interceptor.Sanitize(logger),
		recoverUnary,
		auth.Authenticate(resolver, policy),
		interceptor.Validate(validator),
		auth.Authorize(policy),
	)
	opts := append(limits.options(),
		// Calls run on long-lived workers instead of a new goroutine each: a
		// fresh goroutine's stack grew (and was copied) several times per
		// call on the way down to SQLite, 15% of a Get's CPU.
		grpc.NumStreamWorkers(uint32(streamWorkersPerCPU*runtime.GOMAXPROCS(0))),
		grpc.ForceServerCodecV2(newRequestCodec()),
		grpc.UnaryInterceptor(unary),
		grpc.ChainStreamInterceptor(
			logStream,
			metrics.Stream(),
			recoverStream,
			auth.StreamAuthenticate(),
		),
	)
	if tracing.Active() {
		// A span per call, continuing the caller's trace.
		opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler()))
	}
	s := &Server{
		GRPC:     grpc.NewServer(opts...),
		Registry: reg,
		health:   health.NewServer(),
		logger:   logger,
		unary:    unary,
		handlers: map[string]registered{},
	}
	// Not ready until the first readiness check passes.
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.GRPC, s.health)
	reflection.Register(s.GRPC)
	return s, nil
}

// RegisterService implements grpc.ServiceRegistrar: services register
// their handlers here, so that Call finds them.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.GRPC.RegisterService(desc, impl)
	for _, m := range desc.Methods {
		s.handlers["/"+desc.ServiceName+"/"+m.MethodName] = registered{impl: impl, method: m}
	}
}

// Methods lists the full names of the unary methods registered.
func (s *Server) Methods() []string {
	out := make([]string, 0, len(s.handlers))
	for name := range s.handlers {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Call runs the registered method (its full name) with req in process, as
// the caller of ctx (its incoming credentials), through every interceptor
// a call over the network meets: one service's method may so carry out
// another's (a rollback is an update).
func (s *Server) Call(ctx context.Context, method string, req proto.Message) (any, error) {
	h, ok := s.handlers[method]
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "method %s is not served here", method)
	}
	return h.method.Handler(h.impl, ctx, func(v any) error {
		proto.Merge(v.(proto.Message), req)
		return nil
	}, s.unary)
}

// chainUnary runs interceptors in order around a handler, as
// grpc.ChainUnaryInterceptor does, as one interceptor that Call can use.
func chainUnary(interceptors ...grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		next := handler
		for i := len(interceptors) - 1; i >= 0; i-- {
			ic, inner := interceptors[i], next
			next = func(ctx context.Context, req any) (any, error) { return ic(ctx, req, info, inner) }
		}
		return next(ctx, req)
	}
}

// MetricsHandler serves the server's metrics in the Prometheus format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{Registry: s.Registry})
}

// Check is a readiness check: nil when the dependency it checks answers.
type Check func(ctx context.Context) error

// WatchReadiness runs checks every interval until ctx ends and reports the
// result on the health service: SERVING for the whole server ("") and for
// every registered service while all checks pass, NOT_SERVING otherwise.
func (s *Server) WatchReadiness(ctx context.Context, interval time.Duration, checks map[string]Check) {
	ready := false
	first := true
	for {
		var failed []string
		var firstErr error
		for name, check := range checks {
			cctx, cancel := context.WithTimeout(ctx, interval)
			err := check(cctx)
			cancel()
			if err != nil {
				failed = append(failed, name)
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		now := len(failed) == 0
		if now != ready || first {
			st := healthpb.HealthCheckResponse_NOT_SERVING
			if now {
				st = healthpb.HealthCheckResponse_SERVING
				s.logger.Info("ready")
			} else {
				s.logger.Warn("not ready", "failing", failed, "err", firstErr)
			}
			s.health.SetServingStatus("", st)
			for name := range s.GRPC.GetServiceInfo() {
				s.health.SetServingStatus(name, st)
			}
			ready, first = now, false
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Shutdown marks every service NOT_SERVING, so load balancers stop sending
// calls, then stops the server: gracefully within grace, forcibly after.
func (s *Server) Shutdown(grace time.Duration) {
	s.health.Shutdown()
	done := make(chan struct{})
	go func() { s.GRPC.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		s.GRPC.Stop()
	}
}

// Package host runs services in a process: one gRPC server carrying all of
// them, their background work (outbox relays, event consumers), readiness on
// the health service, a metrics endpoint, and a graceful shutdown when the
// context ends. A service's own binary hosts just that service; the
// all-in-one hosts every service, the same way.
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/serve"
)

// Service is what a service package offers its host.
type Service interface {
	// Name identifies the service in logs and readiness reports.
	Name() string
	// Register adds the service's handlers to the server.
	Register(s grpc.ServiceRegistrar)
	// History is the history the service keeps of its resources, which
	// the server's HistoryService answers from.
	History() history.Part
	// Run does the service's background work until ctx ends.
	Run(ctx context.Context, b *broker.Broker)
	// Ready reports whether the service's own dependencies (its database)
	// answer.
	Ready(ctx context.Context) error
	// Policy says what each of the service's methods asks of its caller.
	Policy() auth.Policy
}

// Config is what to run.
type Config struct {
	Logger *slog.Logger
	// Broker is the NATS connection of the services that have none in
	// Brokers (a service's own binary has one service and one connection).
	Broker *broker.Broker
	// Brokers gives a service, by Name, a connection of its own: in the
	// all-in-one each service connects as its own NATS user, whose
	// permissions let it publish only its own events.
	Brokers  map[string]*broker.Broker
	Services []Service
	// Resolver checks every call's credentials.
	Resolver auth.Resolver
	// GRPC is the listener of the gRPC server.
	GRPC net.Listener
	// Limits bound each client connection of the gRPC server; zero fields
	// take grpcserver.DefaultLimits.
	Limits grpcserver.Limits
	// Metrics, when set, serves /metrics on its own listener.
	Metrics net.Listener
	// Also runs alongside until ctx ends (the all-in-one's gateway); it gets
	// the server so that it can serve metrics itself.
	Also func(ctx context.Context, s *grpcserver.Server) error
}

// ReadinessInterval is how often dependencies are checked.
const ReadinessInterval = 2 * time.Second

// Run serves until ctx ends or a listener fails, then shuts everything down.
func Run(ctx context.Context, cfg Config) error {
	policies := make([]auth.Policy, 0, len(cfg.Services))
	for _, s := range cfg.Services {
		policies = append(policies, s.Policy())
	}
	srv, err := grpcserver.New(cfg.Logger, cfg.Resolver, auth.Merge(append(policies, history.Policy)...), cfg.Limits)
	if err != nil {
		return err
	}
	if err := events.RegisterMetrics(srv.Registry); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := outbox.RegisterMetrics(srv.Registry); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := history.RegisterMetrics(srv.Registry); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	brokers := make(map[string]*broker.Broker, len(cfg.Services))
	for _, s := range cfg.Services {
		if brokers[s.Name()] = cfg.Brokers[s.Name()]; brokers[s.Name()] == nil {
			brokers[s.Name()] = cfg.Broker
		}
		if brokers[s.Name()] == nil {
			return fmt.Errorf("service %s has no NATS connection", s.Name())
		}
	}
	checks := map[string]grpcserver.Check{
		"nats": func(context.Context) error {
			for _, b := range brokers {
				if err := b.Ready(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	parts := make([]history.Part, 0, len(cfg.Services))
	for _, s := range cfg.Services {
		s.Register(srv)
		checks[s.Name()] = s.Ready
		parts = append(parts, s.History())
	}
	historypb.RegisterHistoryServiceServer(srv, history.NewServer(parts, srv))

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { srv.WatchReadiness(ctx, ReadinessInterval, checks); return nil })
	for _, s := range cfg.Services {
		g.Go(func() error { s.Run(ctx, brokers[s.Name()]); return nil })
	}
	g.Go(func() error { return serve.GRPC(ctx, srv, cfg.GRPC) })
	if cfg.Metrics != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		g.Go(func() error { return serve.HTTP(ctx, mux, cfg.Metrics) })
	}
	if cfg.Also != nil {
		g.Go(func() error { return cfg.Also(ctx, srv) })
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Package kpis is the KPI service: an organisation's key performance
// indicators, organisations/{organisation}/kpis/{kpi}, on the elements of
// its plan, and their measurements, .../kpis/{kpi}/measurements/{m}, with
// the red/amber/green status that the planning service rolls up the golden
// thread.
//
// The service owns its database, asks the planning and teams services over
// gRPC whether elements and owner teams exist, reacts through NATS to
// elements and organisations being deleted, and publishes its changes —
// KpiStatusChanged above all — on GOLDENTHREAD_KPIS. Files keep the layers
// apart, per resource: <resource>_handler.go is the gRPC surface, which
// leaves the standard methods to the kit's resource engine (wired in Open);
// <resource>_rules.go the resource's own rules, pure functions tested
// without a database; <resource>_store.go the SQL. status.go is the
// documented status rule, kpis_domain.go the names both resources use, measurements_batch.go the one path that
// records measurements, csv.go the CSV form, recompute.go and overdue.go
// the status upkeep, events.go the events it publishes, reactions.go those
// it consumes, directory.go its calls to other services.
package kpis

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors and logs.
const serviceName = "kpis"

// Config configures the service.
type Config struct {
	// DSN of the service's database: a SQLite file path or a postgres:// URL.
	DSN string
	// OrganisationsAddr, TeamsAddr and PlanningAddr are the gRPC addresses
	// of the services it asks about callers, owner teams and elements.
	OrganisationsAddr, TeamsAddr, PlanningAddr string
	// SubjectPrefix starts subjects and stream names; DefaultSubjectPrefix
	// when empty.
	SubjectPrefix string
	// StreamReplicas is the stream's replica count (1 on a single server).
	StreamReplicas int
	// StreamMaxAge is how long the stream keeps an event; 0 keeps every event.
	StreamMaxAge time.Duration
	// JWT, when set, checks callers' JWTs here before the organisations
	// service is asked about them.
	JWT auth.JWTVerifier
}

// Service is an opened KPI service, ready to be hosted.
type Service struct {
	db           *sqldb.DB
	conns        []*grpc.ClientConn
	outbox       *outbox.Outbox
	events       emitter
	kpis         *kpisHandler
	measurements *measurementsHandler
	reactions    reactions
	consumers    []events.ConsumerSpec
	resolver     *auth.Remote
	logger       *slog.Logger
}

// Open opens the database, brings its schema up to date and prepares the
// connections to the other services.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = DefaultSubjectPrefix
	}
	if cfg.OrganisationsAddr == "" || cfg.TeamsAddr == "" || cfg.PlanningAddr == "" {
		return nil, errors.New("kpis: the organisations, teams and planning service addresses are required")
	}
	db, err := sqldb.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("kpis: %w", err)
	}
	own, _ := fs.Sub(migrationFiles, "migrations")
	for _, m := range []struct {
		component string
		files     fs.FS
	}{{"outbox", outbox.Migrations}, {"inbox", events.Migrations}, {"idempotency", idempotency.Migrations}, {"kpis", own}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, fmt.Errorf("kpis: %w", err)
		}
	}
	var conns []*grpc.ClientConn
	dial := func(addr string) *grpc.ClientConn {
		if err != nil {
			return nil
		}
		var c *grpc.ClientConn
		if c, err = grpcclient.Dial(addr); err == nil {
			conns = append(conns, c)
		}
		return c
	}
	orgConn, teamsConn, planConn := dial(cfg.OrganisationsAddr), dial(cfg.TeamsAddr), dial(cfg.PlanningAddr)
	if err != nil {
		for _, c := range conns {
			c.Close()
		}
		db.Close()
		return nil, fmt.Errorf("kpis: %w", err)
	}
	logger = logger.With("service", serviceName)
	ob := outbox.New(db, Source, Stream(cfg.SubjectPrefix, cfg.StreamReplicas, cfg.StreamMaxAge), logger)
	em := emitter{outbox: ob, prefix: cfg.SubjectPrefix}
	dir := directory{elements: planningpb.NewElementsServiceClient(planConn), Teams: lookup.Teams{
		Teams: teamspb.NewTeamsServiceClient(teamsConn), Members: teamspb.NewMembersServiceClient(teamsConn)}}
	// The resource engine carries out the standard methods of both
	// resources; the handlers add the KPI lock and the status upkeep.
	kpiEngine := resource.Engine[*kpiRecord, *pb.Kpi]{DB: db, Service: serviceName, Field: "kpi", Events: kpiEvents{em}}
	measurementEngine := resource.Engine[*measurementRecord, *pb.Measurement]{DB: db, Service: serviceName,
		Field: "measurement", Events: measurementEvents{em}, DeletedHint: measurementDeletedHint}
	return &Service{
		db: db, conns: conns, outbox: ob, events: em,
		kpis:         &kpisHandler{kpis: kpiEngine, dir: dir, events: em},
		measurements: &measurementsHandler{measurements: measurementEngine, dir: dir, events: em},
		reactions:    reactions{events: em},
		consumers:    consumers(cfg.SubjectPrefix),
		resolver:     auth.NewRemote(cfg.JWT, orgpb.NewAccessServiceClient(orgConn)),
		logger:       logger,
	}, nil
}

// Name implements host.Service.
func (s *Service) Name() string { return serviceName }

// Register implements host.Service.
func (s *Service) Register(g *grpc.Server) {
	pb.RegisterKpisServiceServer(g, s.kpis)
	pb.RegisterMeasurementsServiceServer(g, s.measurements)
}

// Policy implements host.Service.
func (s *Service) Policy() auth.Policy { return policy }

// Resolver checks credentials by asking the organisations service; answers
// are cached for auth.CacheTTL.
func (s *Service) Resolver() auth.Resolver { return s.resolver }

// Run consumes the organisations and planning events, sweeps for late
// KPIs and relays the outbox until ctx ends.
func (s *Service) Run(ctx context.Context, b *broker.Broker) {
	handlers := s.reactions.handlers()
	var running []*events.Consumer
	for _, spec := range s.consumers {
		running = append(running, events.Consume(ctx, b.JS, s.db, spec, s.logger, handlers))
	}
	go sweepOverdue(ctx, s.db, s.events, s.logger)
	s.outbox.Relay(ctx, b.JS)
	for _, c := range running {
		c.Stop()
	}
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Close closes the connections and the database.
func (s *Service) Close() error {
	var errs []error
	for _, c := range s.conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}

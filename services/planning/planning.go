// Package planning is the planning service: an organisation's plan —
// Vision -> Mission -> Objective -> Strategy -> Tactic — as
// organisations/{organisation}/elements/{element}, with the golden thread
// from every tactic up to the vision, and health and progress rolled up
// along it.
//
// The service owns its database, asks the teams service over gRPC whether
// owner teams exist, reacts through NATS to organisations and teams being
// deleted and to KPIs changing status, and publishes its own changes on
// GOLDENTHREAD_PLANNING. Files keep the layers apart: elements_handler.go
// and views_handler.go are the gRPC surface, which leaves the standard
// methods to the kit's resource engine; elements_rules.go holds the
// element's rules as pure functions, elements_hooks.go the engine's hooks
// (the plan's lock, the checks that read other elements, the cascades),
// rollup.go the roll-up along the thread, elements_domain.go names and
// dates, *_store.go the SQL, events.go the events it publishes,
// reactions.go the events it consumes; it asks the teams service about
// teams through kit/lookup.
package planning

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
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
const serviceName = "planning"

// Config configures the service.
type Config struct {
	// DSN of the service's database: a SQLite file path or a postgres:// URL.
	DSN string
	// OrganisationsAddr is the gRPC address of the organisations service,
	// which says who callers are.
	OrganisationsAddr string
	// TeamsAddr is the gRPC address of the teams service, which says
	// whether owner teams exist and who is in them.
	TeamsAddr string
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

// Service is an opened planning service, ready to be hosted.
type Service struct {
	db        *sqldb.DB
	conns     []*grpc.ClientConn
	outbox    *outbox.Outbox
	elements  *elementsHandler
	reactions reactions
	consumers []events.ConsumerSpec
	resolver  *auth.Remote
	logger    *slog.Logger
}

// Open opens the database, brings its schema up to date and prepares the
// connections to the organisations and teams services.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = DefaultSubjectPrefix
	}
	if cfg.OrganisationsAddr == "" || cfg.TeamsAddr == "" {
		return nil, errors.New("planning: the organisations and teams service addresses are required")
	}
	db, err := sqldb.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("planning: %w", err)
	}
	own, _ := fs.Sub(migrationFiles, "migrations")
	for _, m := range []struct {
		component string
		files     fs.FS
	}{{"outbox", outbox.Migrations}, {"inbox", events.Migrations}, {"idempotency", idempotency.Migrations}, {"planning", own}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, fmt.Errorf("planning: %w", err)
		}
	}
	orgConn, err := grpcclient.Dial(cfg.OrganisationsAddr)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("planning: %w", err)
	}
	teamsConn, err := grpcclient.Dial(cfg.TeamsAddr)
	if err != nil {
		orgConn.Close()
		db.Close()
		return nil, fmt.Errorf("planning: %w", err)
	}
	logger = logger.With("service", serviceName)
	ob := outbox.New(db, Source, Stream(cfg.SubjectPrefix, cfg.StreamReplicas, cfg.StreamMaxAge), logger)
	em := emitter{outbox: ob, prefix: cfg.SubjectPrefix}
	return &Service{
		db:     db,
		conns:  []*grpc.ClientConn{orgConn, teamsConn},
		outbox: ob,
		elements: &elementsHandler{db: db, events: em,
			elements: resource.Engine[*elementRecord, *pb.Element]{DB: db, Service: serviceName, Field: "element", Events: em},
			teams:    lookup.Teams{Teams: teamspb.NewTeamsServiceClient(teamsConn), Members: teamspb.NewMembersServiceClient(teamsConn)}},
		reactions: reactions{events: em},
		consumers: consumers(cfg.SubjectPrefix),
		resolver:  auth.NewRemote(cfg.JWT, orgpb.NewAccessServiceClient(orgConn)),
		logger:    logger,
	}, nil
}

// Name implements host.Service.
func (s *Service) Name() string { return serviceName }

// Register implements host.Service.
func (s *Service) Register(g *grpc.Server) { pb.RegisterElementsServiceServer(g, s.elements) }

// Policy implements host.Service.
func (s *Service) Policy() auth.Policy { return policy }

// Resolver checks credentials by asking the organisations service; answers
// are cached for auth.CacheTTL.
func (s *Service) Resolver() auth.Resolver { return s.resolver }

// Run consumes the organisations, teams and KPI events and relays the
// outbox until ctx ends.
func (s *Service) Run(ctx context.Context, b *broker.Broker) {
	handlers := s.reactions.handlers()
	var running []*events.Consumer
	for _, spec := range s.consumers {
		running = append(running, events.Consume(ctx, b.JS, s.db, spec, s.logger, handlers))
	}
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

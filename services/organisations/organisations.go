// Package organisations is the organisations service: the councils,
// agencies, departments and shared-service companies that use Golden
// Thread, as the resource organisations/{organisation}.
//
// The service owns its database (SQLite or PostgreSQL) and publishes every
// change through its outbox on the GOLDENTHREAD_ORGANISATIONS stream. Its
// files keep the layers apart: handler.go is the gRPC surface, domain.go the
// rules, store.go the SQL, events.go the events.
package organisations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"google.golang.org/grpc"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Config configures the service.
type Config struct {
	// DSN of the service's database: a SQLite file path or a postgres:// URL.
	DSN string
	// SubjectPrefix starts the service's subjects and stream name;
	// DefaultSubjectPrefix when empty.
	SubjectPrefix string
	// StreamReplicas is the stream's replica count (1 on a single server).
	StreamReplicas int
}

// Service is an opened organisations service, ready to be hosted.
type Service struct {
	db      *sqldb.DB
	outbox  *outbox.Outbox
	handler *handler
}

// Open opens the database and brings its schema up to date.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = DefaultSubjectPrefix
	}
	db, err := sqldb.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("organisations: %w", err)
	}
	own, _ := fs.Sub(migrationFiles, "migrations")
	for _, m := range []struct {
		component string
		files     fs.FS
	}{{"outbox", outbox.Migrations}, {"organisations", own}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, fmt.Errorf("organisations: %w", err)
		}
	}
	ob := outbox.New(db, Source, Stream(cfg.SubjectPrefix, cfg.StreamReplicas), logger.With("service", "organisations"))
	return &Service{
		db:      db,
		outbox:  ob,
		handler: &handler{db: db, events: emitter{outbox: ob, subjects: NewSubjects(cfg.SubjectPrefix)}},
	}, nil
}

// Name implements host.Service.
func (s *Service) Name() string { return "organisations" }

// Register implements host.Service.
func (s *Service) Register(g *grpc.Server) { pb.RegisterOrganisationsServiceServer(g, s.handler) }

// Run relays the outbox to NATS until ctx ends.
func (s *Service) Run(ctx context.Context, b *broker.Broker) { s.outbox.Relay(ctx, b.JS) }

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Close closes the database.
func (s *Service) Close() error { return s.db.Close() }

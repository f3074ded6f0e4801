// Package organisations is the organisations service: the councils,
// agencies, departments and shared-service companies that use Golden
// Thread, as the resource organisations/{organisation}.
//
// It serves two gRPC services: OrganisationsService and PeopleService, the
// people of each organisation as organisations/{organisation}/people/{person}.
//
// The service owns its database (SQLite or PostgreSQL) and publishes every
// change through its outbox on the GOLDENTHREAD_ORGANISATIONS stream. Its
// files keep the layers apart, per resource: <resource>_handler.go is the
// gRPC surface, <resource>_domain.go the rules, <resource>_store.go the SQL;
// events.go holds the events of both. lifecycle.go carries out the standard
// methods (AIP-131 to 135, 164) that both resources share, and rows.go the
// SQL they share.
package organisations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors (system:organisations) and logs.
const serviceName = "organisations"

// Config configures the service.
type Config struct {
	// DSN of the service's database: a SQLite file path or a postgres:// URL.
	DSN string
	// SubjectPrefix starts the service's subjects and stream name;
	// DefaultSubjectPrefix when empty.
	SubjectPrefix string
	// StreamReplicas is the stream's replica count (1 on a single server).
	StreamReplicas int
	// StreamMaxAge is how long the stream keeps an event; 0 keeps every event.
	StreamMaxAge time.Duration
	// JWT verifies callers' JWTs; nil accepts API tokens only.
	JWT auth.JWTVerifier
	// PlatformAdmins are the JWT subjects that are platform admins.
	PlatformAdmins []string
}

// Service is an opened organisations service, ready to be hosted.
type Service struct {
	db            *sqldb.DB
	outbox        *outbox.Outbox
	organisations *organisationsHandler
	people        *peopleHandler
	access        *accessHandler
	resolver      *resolver
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
	}{{"outbox", outbox.Migrations}, {"idempotency", idempotency.Migrations}, {"organisations", own}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, fmt.Errorf("organisations: %w", err)
		}
	}
	ob := outbox.New(db, Source, Stream(cfg.SubjectPrefix, cfg.StreamReplicas, cfg.StreamMaxAge), logger.With("service", serviceName))
	prefix := cfg.SubjectPrefix
	return &Service{
		db:     db,
		outbox: ob,
		organisations: &organisationsHandler{orgs: resource.Engine[*orgRecord, *pb.Organisation]{DB: db, Service: serviceName,
			Field:  "organisation",
			Events: changeEvents[*pb.Organisation]{outbox: ob, prefix: prefix, resource: "organisation", payloads: organisationPayloads}}},
		people: &peopleHandler{people: resource.Engine[*personRecord, *pb.Person]{DB: db, Service: serviceName,
			Field:  "person",
			Events: changeEvents[*pb.Person]{outbox: ob, prefix: prefix, resource: "person", payloads: personPayloads}}},
		access: &accessHandler{db: db,
			events: changeEvents[*pb.ApiToken]{outbox: ob, prefix: prefix, resource: "api_token", payloads: tokenPayloads}},
		resolver: newResolver(db, cfg.JWT, cfg.PlatformAdmins),
	}, nil
}

// Name implements host.Service.
func (s *Service) Name() string { return "organisations" }

// Register implements host.Service: it serves OrganisationsService,
// PeopleService and AccessService.
func (s *Service) Register(g *grpc.Server) {
	pb.RegisterOrganisationsServiceServer(g, s.organisations)
	pb.RegisterPeopleServiceServer(g, s.people)
	pb.RegisterAccessServiceServer(g, s.access)
}

// Policy implements host.Service.
func (s *Service) Policy() auth.Policy { return policy }

// Resolver checks credentials against the service's people and tokens; the
// service itself and, in one process, every other service use it.
func (s *Service) Resolver() auth.Resolver { return s.resolver }

// Bootstrap makes the first platform token, the day the service first
// starts, and returns its bearer token; afterwards it returns "". Whoever
// holds the token can create organisations and their admins.
func (s *Service) Bootstrap(ctx context.Context) (string, error) {
	var bearer string
	err := s.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, "organisations/bootstrap"); err != nil {
			return err
		}
		if done, err := hasPlatformToken(ctx, tx); err != nil || done {
			return err
		}
		r, secret := newToken(ctx, "", &pb.ApiToken{DisplayName: "bootstrap platform admin"})
		if err := insertToken(ctx, tx, r); err != nil {
			return err
		}
		bearer = secret
		return s.access.events.Created(ctx, tx, r.token)
	})
	if err != nil {
		return "", fmt.Errorf("organisations: bootstrap: %w", err)
	}
	return bearer, nil
}

// Run relays the outbox to NATS until ctx ends.
func (s *Service) Run(ctx context.Context, b *broker.Broker) { s.outbox.Relay(ctx, b.JS) }

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Close closes the database.
func (s *Service) Close() error { return s.db.Close() }

// Package teams is the teams service: the nested teams inside each
// organisation, as organisations/{organisation}/teams/{team}, and who is in
// them, as .../teams/{team}/members/{member}.
//
// The service owns its database, asks the organisations service over gRPC
// whether the organisations and people it is given exist, reacts to their
// deletion through the organisations event stream, and publishes its own
// changes on GOLDENTHREAD_TEAMS. The kit's resource engine carries out the
// standard methods (AIP-131 to 135, 164) of both resources. Files keep the
// layers apart, per resource: <resource>_handler.go is the gRPC surface (a
// request turned into an engine call, with the hooks that read the
// database), <resource>_rules.go the resource's rules as pure functions,
// <resource>_domain.go its names and fields, <resource>_store.go the SQL
// (rows_store.go what both tables share); events.go the events it
// publishes, reactions.go the events it consumes, directory.go its calls to
// the organisations service.
package teams

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
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Config configures the service.
type Config struct {
	// DSN of the service's database: a SQLite file path or a postgres:// URL.
	DSN string
	// OrganisationsAddr is the gRPC address of the organisations service.
	OrganisationsAddr string
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

// serviceName names the service in actors (system:teams) and logs.
const serviceName = "teams"

// Service is an opened teams service, ready to be hosted.
type Service struct {
	db        *sqldb.DB
	conn      *grpc.ClientConn
	outbox    *outbox.Outbox
	teams     *teamsHandler
	members   *membersHandler
	reactions reactions
	consumer  events.ConsumerSpec
	resolver  *auth.Remote
	logger    *slog.Logger
}

// Open opens the database, brings its schema up to date and prepares the
// connection to the organisations service.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = DefaultSubjectPrefix
	}
	if cfg.OrganisationsAddr == "" {
		return nil, errors.New("teams: no organisations service address")
	}
	db, err := sqldb.Open(ctx, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	own, _ := fs.Sub(migrationFiles, "migrations")
	for _, m := range []struct {
		component string
		files     fs.FS
	}{{"outbox", outbox.Migrations}, {"inbox", events.Migrations}, {"idempotency", idempotency.Migrations}, {"teams", own}} {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			db.Close()
			return nil, fmt.Errorf("teams: %w", err)
		}
	}
	conn, err := grpcclient.Dial(cfg.OrganisationsAddr)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("teams: %w", err)
	}
	logger = logger.With("service", serviceName)
	ob := outbox.New(db, Source, Stream(cfg.SubjectPrefix, cfg.StreamReplicas, cfg.StreamMaxAge), logger)
	em := emitter{outbox: ob, prefix: cfg.SubjectPrefix}
	teamEv, memberEv := teamEvents{em}, memberEvents{em}
	dir := directory{orgs: orgpb.NewOrganisationsServiceClient(conn), people: orgpb.NewPeopleServiceClient(conn)}
	return &Service{
		db:     db,
		conn:   conn,
		outbox: ob,
		teams: &teamsHandler{dir: dir,
			teams: resource.Engine[*teamRecord, *pb.Team]{DB: db, Service: serviceName, Field: "team", Events: teamEv}},
		members: &membersHandler{dir: dir,
			members: resource.Engine[*memberRecord, *pb.Member]{DB: db, Service: serviceName, Field: "member", Events: memberEv,
				DeletedHint: "has ended; add the person again instead"}},
		reactions: reactions{teams: teamEv, members: memberEv},
		consumer:  organisationsConsumer(cfg.SubjectPrefix),
		resolver:  auth.NewRemote(cfg.JWT, orgpb.NewAccessServiceClient(conn)),
		logger:    logger,
	}, nil
}

// Name implements host.Service.
func (s *Service) Name() string { return serviceName }

// Policy implements host.Service.
func (s *Service) Policy() auth.Policy { return policy }

// Resolver checks credentials by asking the organisations service, which
// holds people, roles and tokens; answers are cached for auth.CacheTTL.
func (s *Service) Resolver() auth.Resolver { return s.resolver }

// Register implements host.Service.
func (s *Service) Register(g *grpc.Server) {
	pb.RegisterTeamsServiceServer(g, s.teams)
	pb.RegisterMembersServiceServer(g, s.members)
}

// Run consumes organisation events and relays the outbox until ctx ends.
func (s *Service) Run(ctx context.Context, b *broker.Broker) {
	c := events.Consume(ctx, b.JS, s.db, s.consumer, s.logger, s.reactions.handlers())
	s.outbox.Relay(ctx, b.JS)
	c.Stop()
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Close closes the connection to the organisations service and the database.
func (s *Service) Close() error {
	return errors.Join(s.conn.Close(), s.db.Close())
}

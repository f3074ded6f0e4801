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
// events.go holds the events of all three. The kit's resource engine
// carries out the standard methods (AIP-131 to 135, 164) of organisations
// and people, and host.Base assembles the service.
package organisations

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"time"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"

	"google.golang.org/grpc"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors (system:organisations), logs,
// its stream and its events' source.
const serviceName = "organisations"

// Spec declares the service to the kit, which assembles it and runs its
// binary: it calls no other service, and follows every service's events
// (its own too) to send them on to webhooks.
var Spec = host.Spec{Name: serviceName, Migrations: migrationFiles, Policy: policy,
	Consumes: []string{serviceName, "teams", "planning", "kpis"}}

// Config configures the service.
type Config struct {
	host.Settings
	// PlatformAdmins are the JWT subjects that are platform admins.
	PlatformAdmins []string
	// Webhooks are the operator's settings for webhooks.
	Webhooks WebhookOptions
}

// Service is an opened organisations service, ready to be hosted.
type Service struct {
	*host.Base
	organisations *organisationsHandler
	people        *peopleHandler
	access        *accessHandler
	webhooks      *webhooksHandler
	resolver      *resolver
}

// Open opens the database and brings its schema up to date.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Service, error) {
	base, err := host.Assemble(ctx, Spec, cfg.Settings, logger)
	if err != nil {
		return nil, err
	}
	db := base.DB
	webhooks := resource.Engine[*webhookRecord, *pb.Webhook]{DB: db, Service: serviceName, Field: "webhook", Type: webhookType,
		Events: resource.EventsOf[*pb.Webhook](base.Emit, "webhook")}
	sender := newSender(db, webhooks, base.Emit, cfg.Webhooks, base.Logger)
	base.Reactions, base.Gate = events.Handlers{events.Any: sender.intake}, sender.concerns
	base.Background = append(base.Background, sender.run,
		base.Repeat("webhook delivery log retention", time.Hour, nil, func(ctx context.Context) error { return pruneDeliveries(ctx, db) }))
	return &Service{
		Base: base,
		organisations: &organisationsHandler{orgs: resource.Engine[*orgRecord, *pb.Organisation]{DB: db, Service: serviceName,
			Field: "organisation", Type: organisationType, Events: resource.EventsOf[*pb.Organisation](base.Emit, "organisation")}},
		people: &peopleHandler{people: resource.Engine[*personRecord, *pb.Person]{DB: db, Service: serviceName,
			Field: "person", Type: personType, Events: resource.EventsOf[*pb.Person](base.Emit, "person")}},
		access:   &accessHandler{db: db, events: resource.EventsOf[*pb.ApiToken](base.Emit, "api_token")},
		webhooks: &webhooksHandler{webhooks: webhooks, options: cfg.Webhooks, wake: sender.wake},
		resolver: newResolver(db, cfg.JWT, cfg.PlatformAdmins),
	}, nil
}

// Register implements host.Service: it serves OrganisationsService,
// PeopleService, AccessService, WebhooksService and the identity API's
// CallerService.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	pb.RegisterOrganisationsServiceServer(resource.Standard(g, s.organisations.orgs.Gets()), s.organisations)
	pb.RegisterPeopleServiceServer(g, s.people)
	pb.RegisterAccessServiceServer(g, s.access)
	pb.RegisterWebhooksServiceServer(resource.Standard(g, s.webhooks.webhooks.Reads()), s.webhooks)
	identitypb.RegisterCallerServiceServer(g, auth.CallerServer{})
}

// Resolver checks credentials against the service's people and tokens; the
// service itself and, in one process, every other service use it.
func (s *Service) Resolver() auth.Resolver { return s.resolver }

// Bootstrap makes the first platform token, the day the service first
// starts, and returns its bearer token; afterwards it returns "". Whoever
// holds the token can create organisations and their admins.
func (s *Service) Bootstrap(ctx context.Context) (string, error) {
	var bearer string
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
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

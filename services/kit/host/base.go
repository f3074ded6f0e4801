package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// DefaultSubjectPrefix starts every subject and, upper-cased, stream name
// when a service is given none.
const DefaultSubjectPrefix = "goldenthread"

// Spec is what a service declares to be assembled: everything else about
// opening, running and closing it is the same for every service (Base).
type Spec struct {
	// Name of the service: "teams". It names the actor of the service's own
	// changes (system:teams), its logs, its stream (GOLDENTHREAD_TEAMS) and
	// its events' source (//goldenthread/teams).
	Name string
	// Migrations hold the service's own migrations in a directory
	// migrations/, as every service keeps them (//go:embed
	// migrations/*.sql); they are applied after the kit's (outbox,
	// idempotency keys, and the inbox of a service that consumes events).
	Migrations fs.FS
	// Upstreams name the services it calls ("organisations"); each must
	// have an address in Settings.Addrs, and the service's own binary
	// takes it as a flag (AddrFlag).
	Upstreams []string
	// Consumes names the services whose events it reacts to.
	Consumes []string
	// Policy says what each of its methods asks of its caller.
	Policy auth.Policy
}

// Base is an assembled service's database, outbox, connections to the
// services it calls and consumers; a service embeds it and adds its
// handlers (Register), policy and credential resolver to be a Service.
type Base struct {
	DB     *sqldb.DB
	Outbox *outbox.Outbox
	// Conns are the connections to Spec.Upstreams, by name.
	Conns map[string]*grpc.ClientConn
	// Prefix starts the service's subjects.
	Prefix string
	Logger *slog.Logger
	// Reactions handle the events of Spec.Consumes, those that Gate (when
	// set) lets through; Background runs beside them until the service
	// stops (a sweep).
	Reactions  events.Handlers
	Gate       events.Gate
	Background []func(ctx context.Context)
	// Handlers register the service's gRPC handlers (Register).
	Handlers func(g grpc.ServiceRegistrar)

	name      string
	policy    auth.Policy
	consumers []events.ConsumerSpec
	// callers resolves credentials by asking the organisations service,
	// for a service whose Spec names it upstream.
	callers *auth.Remote
}

// Assemble opens the service's database, brings its schema up to date and
// dials the services it calls.
func Assemble(ctx context.Context, spec Spec, s Settings, logger *slog.Logger) (*Base, error) {
	prefix := s.SubjectPrefix
	if prefix == "" {
		prefix = DefaultSubjectPrefix
	}
	for _, name := range spec.Upstreams {
		if s.Addrs[name] == "" {
			return nil, fmt.Errorf("%s: no address of the %s service", spec.Name, name)
		}
	}
	db, err := sqldb.Open(ctx, s.DSN)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	b := &Base{DB: db, Conns: map[string]*grpc.ClientConn{}, Prefix: prefix, Logger: logger.With("service", spec.Name),
		name: spec.Name, policy: spec.Policy}
	own, err := fs.Sub(spec.Migrations, "migrations")
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: migrations: %w", spec.Name, err)
	}
	type migrations struct {
		component string
		files     fs.FS
	}
	all := []migrations{{"outbox", outbox.Migrations}, {"idempotency", idempotency.Migrations}, {"history", history.Migrations}}
	if len(spec.Consumes) > 0 {
		all = append(all, migrations{"inbox", events.Migrations})
	}
	for _, m := range append(all, migrations{spec.Name, own}) {
		if err := db.Migrate(ctx, m.component, m.files); err != nil {
			b.Close()
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
	}
	for _, name := range spec.Upstreams {
		conn, err := grpcclient.Dial(s.Addrs[name], interceptor.CallerService)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("%s: the %s service: %w", spec.Name, name, err)
		}
		b.Conns[name] = conn
	}
	if conn := b.Conns[organisations]; conn != nil {
		b.callers = auth.NewRemote(s.JWT, identitypb.NewCallerServiceClient(conn))
	}
	b.Outbox = outbox.New(db, events.ServiceSource(spec.Name), s.Stream.stream(prefix, spec.Name, s.StreamReplicas), b.Logger,
		outbox.WithRetention(s.OutboxRetention))
	b.Background = append(b.Background, b.Repeat("history retention", history.KeepInterval, nil,
		func(ctx context.Context) error { return history.Keep(ctx, db, spec.Name, s.HistoryMaxAge) }))
	for _, producer := range spec.Consumes {
		b.consumers = append(b.consumers, events.ServiceConsumer(prefix, producer, spec.Name))
	}
	return b, nil
}

// Repeat is background work (Base.Background) that runs work now and then
// again every interval, or sooner when woken (nil: never), until ctx ends;
// a failure is logged as what failed, and retried the next time.
func (b *Base) Repeat(what string, interval time.Duration, woken <-chan struct{}, work func(ctx context.Context) error) func(ctx context.Context) {
	return func(ctx context.Context) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if err := work(ctx); err != nil && ctx.Err() == nil {
				b.Logger.Warn(what+" failed; will retry", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-woken:
			case <-tick.C:
			}
		}
	}
}

// Open assembles the service of spec and lets build give it its handlers,
// reactions and background work: the Base is then the service, ready to be
// hosted (Run) or run on its own (Binary).
func Open(ctx context.Context, spec Spec, s Settings, logger *slog.Logger, build func(b *Base) error) (*Base, error) {
	b, err := Assemble(ctx, spec, s, logger)
	if err != nil {
		return nil, err
	}
	if err := build(b); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	return b, nil
}

// Name implements Service.
func (b *Base) Name() string { return b.name }

// Register implements Service: the handlers build gave it.
func (b *Base) Register(g grpc.ServiceRegistrar) {
	if b.Handlers != nil {
		b.Handlers(g)
	}
}

// History implements Service: the revisions in the service's database.
func (b *Base) History() history.Part { return history.Part{DB: b.DB} }

// Policy implements Service: the Spec's.
func (b *Base) Policy() auth.Policy { return b.policy }

// organisations is the service that knows who callers are.
const organisations = "organisations"

// Resolver is how the service checks credentials when it runs on its own:
// by asking the organisations service (CallerService.GetCaller), caching
// each answer until the organisations service publishes a change or
// auth.CacheTTL passes. Nil for a service with no organisations upstream
// (the organisations service, which has its own).
func (b *Base) Resolver() auth.Resolver {
	if b.callers == nil {
		return nil
	}
	return b.callers
}

// Run implements Service: it consumes the events of Spec.Consumes with
// Reactions, runs Background and relays the outbox until ctx ends.
func (b *Base) Run(ctx context.Context, br *broker.Broker) {
	if b.callers != nil {
		// Every process, not one consumer per service: each replica has
		// its own cache. A missed message costs at most auth.CacheTTL.
		sub, err := br.Conn.Subscribe(b.Prefix+"."+organisations+".>", func(*nats.Msg) { b.callers.Forget() })
		if err != nil {
			b.Logger.Warn("cannot follow access changes; cached callers expire after auth.CacheTTL", "err", err)
		} else {
			defer func() { _ = sub.Unsubscribe() }()
		}
	}
	var running []*events.Consumer
	for _, spec := range b.consumers {
		spec.Gate = b.Gate
		running = append(running, events.Consume(ctx, br.JS, b.DB, spec, b.Logger, b.Reactions))
	}
	var background sync.WaitGroup
	for _, f := range b.Background {
		background.Go(func() { f(ctx) })
	}
	b.Outbox.Relay(ctx, br.JS)
	background.Wait()
	for _, c := range running {
		c.Stop()
	}
}

// Ready implements Service: the database answers.
func (b *Base) Ready(ctx context.Context) error { return b.DB.Ping(ctx) }

// Close closes the connections and the database.
func (b *Base) Close() error {
	var errs []error
	for _, c := range b.Conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(append(errs, b.DB.Close())...)
}

// Emit records, in tx, the event of a change to the resource called name
// (outbox.Emitter.Emit).
func (b *Base) Emit(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error {
	return outbox.Emitter{Outbox: b.Outbox, Prefix: b.Prefix, Service: b.name}.Emit(ctx, tx, name, entity, change, payload)
}

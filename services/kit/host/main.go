package host

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
	"github.com/goldenthread/goldenthread/services/kit/serve"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
)

// Settings are what every service binary is configured with.
type Settings struct {
	// DataDir holds the default database, the embedded NATS and files the
	// service writes (the first admin token).
	DataDir string
	// DSN of the service's database.
	DSN string
	// SubjectPrefix starts NATS subjects and stream names.
	SubjectPrefix string
	// StreamReplicas is the replica count of the service's stream.
	StreamReplicas int
	// Stream are the limits of the service's stream; nil: the events
	// package's defaults.
	Stream *StreamLimits
	// OutboxRetention is how long the service's outbox keeps an event once
	// published; 0 deletes each as it is published.
	OutboxRetention time.Duration
	// HistoryMaxAge is how long the service keeps a revision of a
	// resource (beside each resource's latest); 0 keeps every revision.
	HistoryMaxAge time.Duration
	// JWT verifies callers' JWTs against the configured OpenID Connect
	// issuer; nil when none is configured (API tokens only).
	JWT auth.JWTVerifier
	// Addrs are the gRPC addresses of the other services, by name; a
	// service dials those its Spec.Upstreams names.
	Addrs map[string]string
}

// HistoryFlag defines -history-max-age, how long a service keeps the
// revisions of its resources.
func HistoryFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("history-max-age", 0, "how long a revision of a resource is kept in its history, e.g. 17520h; 0 keeps every revision (each resource's latest is always kept)")
}

// OwnedService is a service its binary opens and must close.
type OwnedService interface {
	Service
	// Resolver checks the credentials of the service's callers.
	Resolver() auth.Resolver
	Close() error
}

// Binary describes the command that runs one service on its own, the way
// operators deploy it: its own listen address, database and NATS. S is the
// service's type, which its Open returns.
type Binary[S OwnedService] struct {
	// Spec is the service's: its Name names the command and picks its
	// default listen addresses (Known); each of its Upstreams is a flag,
	// -<name>-addr (AddrFlag).
	Spec Spec
	// Flags defines the service's own flags, read by Open after parsing.
	Flags func(fs *flag.FlagSet)
	// Open opens the service.
	Open func(ctx context.Context, s Settings, logger *slog.Logger) (S, error)
}

// Main runs the binary with the process's arguments and exits. Every flag
// can also be set by an environment variable: GT_ and the flag's name
// upper-cased with - as _, e.g. GT_DSN.
func (b Binary[S]) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := b.run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", b.Spec.Name, err)
		os.Exit(1)
	}
}

func (b Binary[S]) run(ctx context.Context, args []string) error {
	name, defaults := b.Spec.Name, Known[b.Spec.Name]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	grpcAddr := fs.String("grpc-addr", defaults.GRPCAddr, "gRPC listen address")
	metricsAddr := fs.String("metrics-addr", defaults.MetricsAddr, "Prometheus /metrics listen address; empty disables it")
	dataDir := fs.String("data-dir", "./data", "directory for the default SQLite database and the embedded NATS")
	dsn := fs.String("dsn", "", "database: a postgres:// URL or a SQLite file path (default <data-dir>/"+name+".db)")
	natsURL := fs.String("nats-url", "", "NATS server URL(s); empty starts an embedded NATS under <data-dir>/nats")
	natsListen := fs.String("nats-listen", "", "host:port on which the embedded NATS also accepts TCP clients (users and passwords: <data-dir>/nats/*.password); empty: in-process only")
	natsCreds := broker.CredentialFlags(fs)
	limits := grpcserver.LimitFlags(fs)
	prefix := fs.String("subject-prefix", "goldenthread", "prefix of NATS subjects and stream names")
	replicas := fs.Int("stream-replicas", 1, "replicas of the service's JetStream stream (3 in a cluster)")
	stream := StreamFlags(fs)
	historyMaxAge := HistoryFlag(fs)
	outboxRetention := fs.Duration("outbox-retention", 0,
		"how long the outbox keeps an event once JetStream has it (the stream is its record), e.g. 1h; 0 deletes each as it is published")
	oidcIssuer := fs.String("oidc-issuer", "", "OpenID Connect issuer URL whose JWTs callers may present; empty: API tokens only")
	oidcAudience := fs.String("oidc-audience", "goldenthread", "audience the JWTs must name")
	newLogger := serve.LogFlags(fs)
	upstreams := map[string]*string{}
	for _, upstream := range b.Spec.Upstreams {
		upstreams[upstream] = AddrFlag(fs, upstream)
	}
	if b.Flags != nil {
		b.Flags(fs)
	}
	if err := config.Parse(fs, args, "GT"); err != nil {
		return err
	}
	if err := stream.Check(); err != nil {
		return err
	}
	if *outboxRetention < 0 {
		return fmt.Errorf("-outbox-retention %s: must be 0 (delete as published) or more", *outboxRetention)
	}
	if *historyMaxAge < 0 {
		return fmt.Errorf("-history-max-age %s: must be 0 (keep every revision) or more", *historyMaxAge)
	}
	logger, err := newLogger()
	if err != nil {
		return err
	}
	stopTracing, err := tracing.Start(ctx, name)
	if err != nil {
		return err
	}
	defer stopTracing()
	if *dsn == "" {
		*dsn = filepath.Join(*dataDir, name+".db")
	}
	addrs := map[string]string{}
	for upstream, addr := range upstreams {
		addrs[upstream] = *addr
	}

	var verifier auth.JWTVerifier
	if *oidcIssuer != "" {
		keys, err := jwt.NewJWKS(*oidcIssuer)
		if err != nil {
			return err
		}
		if verifier, err = jwt.NewVerifier(*oidcIssuer, *oidcAudience, keys); err != nil {
			return err
		}
	}

	// On the embedded NATS the service is its own user, as in a cluster.
	br, err := broker.Connect(broker.Config{URL: *natsURL, Credentials: *natsCreds, StoreDir: filepath.Join(*dataDir, "nats"),
		Listen: *natsListen, SubjectPrefix: *prefix, User: name, Name: name}, logger)
	if err != nil {
		return err
	}
	defer br.Close()
	svc, err := b.Open(ctx, Settings{DataDir: *dataDir, DSN: *dsn, SubjectPrefix: *prefix, StreamReplicas: *replicas,
		Stream: stream, OutboxRetention: *outboxRetention, HistoryMaxAge: *historyMaxAge, JWT: verifier, Addrs: addrs}, logger)
	if err != nil {
		return err
	}
	defer svc.Close()

	grpcLis, err := serve.Listen(*grpcAddr)
	if err != nil {
		return err
	}
	cfg := Config{Logger: logger, Broker: br, Services: []Service{svc}, Resolver: svc.Resolver(), GRPC: grpcLis, Limits: *limits}
	if *metricsAddr != "" {
		if cfg.Metrics, err = serve.Listen(*metricsAddr); err != nil {
			grpcLis.Close()
			return err
		}
	}
	logger.Info(name+" service started", "grpc", grpcLis.Addr().String(), "metrics", *metricsAddr)
	return Run(ctx, cfg)
}

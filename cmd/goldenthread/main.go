// Command goldenthread runs the whole product in one process — the embedded
// default: an in-process NATS with JetStream, a SQLite database per service
// under the data directory, every service on one gRPC port and the REST
// gateway — so that trying Golden Thread needs nothing but Go.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_HTTP_ADDR. Run with -h for the list.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/tracing"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/serve"
	"github.com/goldenthread/goldenthread/services/organisations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	command, args := run, os.Args[1:]
	if len(args) > 0 && args[0] == "token" {
		command, args = mintToken, args[1:]
	}
	if err := command(ctx, args, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "goldenthread:", err)
		os.Exit(1)
	}
}

// settings is the all-in-one's configuration.
type settings struct {
	dataDir, httpAddr, grpcAddr string
	pprofAddr                   string
	natsURL, natsListen         string
	natsCreds                   broker.Credentials
	grpcLimits                  grpcserver.Limits
	eventsPerCaller             int
	organisationsDSN, teamsDSN  string
	planningDSN, kpisDSN        string
	subjectPrefix               string
	streamReplicas              int
	stream                      *host.StreamLimits
	historyMaxAge               time.Duration
	bodyLimit                   int64
	timeout                     time.Duration
	corsOrigins                 string
	oidcIssuer, oidcAudience    string
	oidcClientID, oidcScopes    string
	platformAdmins              string
	webhooks                    func() organisations.WebhookOptions
	demo                        bool
	newLogger                   func() (*slog.Logger, error)
}

func parse(args []string) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("goldenthread", flag.ContinueOnError)
	fs.StringVar(&s.dataDir, "data-dir", "./data", "directory for the SQLite databases and the embedded NATS; kept across restarts")
	fs.StringVar(&s.httpAddr, "http-addr", "127.0.0.1:8080", "REST gateway listen address")
	fs.StringVar(&s.grpcAddr, "grpc-addr", "127.0.0.1:9090", "gRPC listen address of all services")
	fs.StringVar(&s.pprofAddr, "pprof-addr", "", "listen address of the Go profiler (/debug/pprof/, as make bench ARGS=-profile uses it); empty: off")
	fs.StringVar(&s.natsURL, "nats-url", "", "external NATS server URL(s); empty starts an embedded NATS under <data-dir>/nats")
	fs.StringVar(&s.natsListen, "nats-listen", "", "host:port on which the embedded NATS also accepts TCP clients (for the nats CLI, as user operator with the password in <data-dir>/nats/operator.password); empty: in-process only")
	natsCreds := broker.CredentialFlags(fs)
	grpcLimits := grpcserver.LimitFlags(fs)
	historyMaxAge := host.HistoryFlag(fs)
	fs.StringVar(&s.organisationsDSN, "organisations-dsn", "", "organisations database: a postgres:// URL or a SQLite path (default <data-dir>/organisations.db)")
	fs.StringVar(&s.teamsDSN, "teams-dsn", "", "teams database: a postgres:// URL or a SQLite path (default <data-dir>/teams.db)")
	fs.StringVar(&s.planningDSN, "planning-dsn", "", "planning database: a postgres:// URL or a SQLite path (default <data-dir>/planning.db)")
	fs.StringVar(&s.kpisDSN, "kpis-dsn", "", "KPI database: a postgres:// URL or a SQLite path (default <data-dir>/kpis.db)")
	fs.StringVar(&s.subjectPrefix, "subject-prefix", host.DefaultSubjectPrefix, "prefix of NATS subjects and stream names")
	fs.IntVar(&s.streamReplicas, "stream-replicas", 1, "replicas of each JetStream stream (3 in a cluster)")
	stream := host.StreamFlags(fs)
	fs.Int64Var(&s.bodyLimit, "body-limit", gateway.DefaultBodyLimit, "largest REST request body accepted, in bytes")
	fs.DurationVar(&s.timeout, "timeout", gateway.DefaultTimeout, "deadline of each REST call to a service")
	fs.StringVar(&s.corsOrigins, "cors-origins", "", "comma-separated origins allowed by CORS, or *; empty disables CORS")
	fs.IntVar(&s.eventsPerCaller, "events-per-caller", gateway.DefaultEventsPerCaller, "most live event streams one caller (a user or an API token) may hold open at once; more are refused with 429")
	fs.StringVar(&s.oidcIssuer, "oidc-issuer", "", "OpenID Connect issuer URL whose JWTs callers may present; empty: the built-in issuer (`goldenthread token`)")
	fs.StringVar(&s.oidcAudience, "oidc-audience", "goldenthread", "audience the JWTs must name")
	fs.StringVar(&s.oidcClientID, "oidc-client-id", "", "client id of the web client at the OpenID Connect issuer; with -oidc-issuer, the web client offers single sign-on")
	fs.StringVar(&s.oidcScopes, "oidc-scopes", "openid profile email", "scopes the web client asks the OpenID Connect issuer for")
	fs.StringVar(&s.platformAdmins, "platform-admins", builtinAdmin, "comma-separated JWT subjects that are platform admins")
	s.webhooks = organisations.WebhookFlags(fs)
	fs.BoolVar(&s.demo, "demo", false, "on the first start with it, load the example organisations (make demo)")
	s.newLogger = serve.LogFlags(fs)
	if err := config.Parse(fs, args, "GT"); err != nil {
		return s, err
	}
	s.natsCreds, s.grpcLimits, s.historyMaxAge = *natsCreds, *grpcLimits, *historyMaxAge
	s.stream = stream
	if err := s.stream.Check(); err != nil {
		return s, err
	}
	if s.historyMaxAge < 0 {
		return s, fmt.Errorf("-history-max-age %s: must be 0 (keep every revision) or more", s.historyMaxAge)
	}
	return s, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	s, err := parse(args)
	if err != nil {
		return err
	}
	logger, err := s.newLogger()
	if err != nil {
		return err
	}
	stopTracing, err := tracing.Start(ctx, "goldenthread")
	if err != nil {
		return err
	}
	defer stopTracing()
	p, err := start(ctx, s, logger)
	if err != nil {
		return err
	}
	if s.demo {
		if err := loadDemo(ctx, p, s.dataDir, logger); err != nil {
			logger.Error("the example organisations could not be loaded", "err", err)
		}
	}
	signIn := "the platform admin token below"
	if p.adminToken == "" {
		signIn = "the platform admin token in " + p.adminTokenFile
	}
	fmt.Fprintf(stdout, "Golden Thread is running.\n  Web:   http://%s/  (sign in with %s)\n"+
		"  REST:  http://%s/v1/organisations  (OpenAPI: http://%s/openapi.json)\n  gRPC:  %s\n  data:  %s\n",
		p.httpAddr, signIn, p.httpAddr, p.httpAddr, p.grpcAddr, s.dataDir)
	if p.natsURL != "" {
		fmt.Fprintf(stdout, "  NATS:  %s  (users' passwords, readable only by you: %s/<user>.password)\n"+
			"         NATS_URL=%s NATS_USER=operator NATS_PASSWORD=\"$(cat %s)\" nats sub '%s.>'\n",
			p.natsURL, p.natsPasswords, p.natsURL, broker.PasswordFile(p.natsPasswords, broker.UserOperator), s.subjectPrefix)
	}
	if p.adminToken != "" {
		fmt.Fprintf(stdout, "\nFirst start: this platform admin token is shown once (it is also in %s, readable only by you):\n\n  %s\n\n"+
			"Try:  curl -H \"Authorization: Bearer $(cat %s)\" http://%s/v1/organisations\n\n",
			p.adminTokenFile, p.adminToken, p.adminTokenFile, p.httpAddr)
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	return p.wait()
}

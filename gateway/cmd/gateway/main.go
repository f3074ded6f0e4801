// Command gateway runs the REST front door on its own, in front of services
// deployed separately.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_ORGANISATIONS_ADDR. Run with -h for
// the list.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/gateway/web"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/serve"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP listen address")
	metricsAddr := fs.String("metrics-addr", "", "Prometheus /metrics listen address (the gateway's HTTP metrics); empty disables it")
	orgAddr, teamsAddr := host.AddrFlag(fs, "organisations"), host.AddrFlag(fs, "teams")
	planningAddr, kpisAddr := host.AddrFlag(fs, "planning"), host.AddrFlag(fs, "kpis")
	bodyLimit := fs.Int64("body-limit", gateway.DefaultBodyLimit, "largest request body accepted, in bytes")
	timeout := fs.Duration("timeout", gateway.DefaultTimeout, "deadline of each call to a service")
	corsOrigins := fs.String("cors-origins", "", "comma-separated origins allowed by CORS, or *; empty disables CORS")
	eventsPerCaller := fs.Int("events-per-caller", gateway.DefaultEventsPerCaller, "most live event streams one caller (a user or an API token) may hold open at once; more are refused with 429")
	natsURL := fs.String("nats-url", "", "NATS server URL(s) whose change events the gateway streams to browsers; empty: no live events")
	// A user that may only subscribe to the events (gateway in
	// deploy/nats/nats.conf).
	natsCreds := broker.CredentialFlags(fs)
	prefix := fs.String("subject-prefix", "goldenthread", "prefix of the services' NATS subjects")
	var webSettings web.Settings
	fs.StringVar(&webSettings.OIDCIssuer, "oidc-issuer", "", "OpenID Connect issuer the web client signs in with (authorization code + PKCE); empty: token sign-in only")
	fs.StringVar(&webSettings.OIDCClientID, "oidc-client-id", "", "client id of the web client at the OpenID Connect issuer (a public client)")
	fs.StringVar(&webSettings.OIDCAudience, "oidc-audience", "goldenthread", "audience the services require of a JWT")
	fs.StringVar(&webSettings.OIDCScopes, "oidc-scopes", "openid profile email", "scopes the web client asks the issuer for")
	newLogger := serve.LogFlags(fs)
	if err := config.Parse(fs, os.Args[1:], "GT"); err != nil {
		return err
	}
	logger, err := newLogger()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopTracing, err := tracing.Start(ctx, "gateway")
	if err != nil {
		return err
	}
	defer stopTracing()

	cfg := gateway.Config{
		OrganisationsAddr: *orgAddr, TeamsAddr: *teamsAddr, PlanningAddr: *planningAddr, KpisAddr: *kpisAddr, BodyLimit: *bodyLimit, Timeout: *timeout,
		CORSOrigins: config.List(*corsOrigins), EventsPerCaller: *eventsPerCaller, SubjectPrefix: *prefix, Web: webSettings, Logger: logger,
	}
	if *natsURL != "" {
		b, err := broker.Connect(broker.Config{URL: *natsURL, Credentials: *natsCreds, Name: "gateway"}, logger)
		if err != nil {
			return err
		}
		defer b.Close()
		cfg.NATS = b.Conn
	} else {
		logger.Warn("no -nats-url: the web client gets no live updates")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg.Metrics = reg
	gw, err := gateway.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer gw.Close()
	lis, err := serve.Listen(*httpAddr)
	if err != nil {
		return err
	}
	logger.Info("gateway started", "http", "http://"+lis.Addr().String())
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.HTTP(ctx, gw, lis) })
	if *metricsAddr != "" {
		mlis, err := serve.Listen(*metricsAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		g.Go(func() error { return serve.HTTP(ctx, mux, mlis) })
	}
	return g.Wait()
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/gateway/web"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
	"github.com/goldenthread/goldenthread/services/kit/serve"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
	"github.com/goldenthread/goldenthread/services/kpis"
	"github.com/goldenthread/goldenthread/services/organisations"
	"github.com/goldenthread/goldenthread/services/planning"
	"github.com/goldenthread/goldenthread/services/teams"
)

// process is a started all-in-one.
type process struct {
	httpAddr, grpcAddr string
	// natsURL is where the embedded NATS listens (-nats-listen), and
	// natsPasswords the directory of its users' password files; both empty
	// when it does not listen.
	natsURL, natsPasswords string
	// adminToken is the platform token made on the first start, saved in
	// adminTokenFile; empty on later starts.
	adminToken, adminTokenFile string
	done                       chan error
}

// wait blocks until the process has stopped and everything is closed.
func (p *process) wait() error { return <-p.done }

// start brings up NATS, the services and the gateway, and returns once
// every listener is open; the process stops when ctx ends.
func start(ctx context.Context, s settings, logger *slog.Logger) (*process, error) {
	// The data directory holds every organisation's data, NATS passwords
	// and the admin token: this user's alone, also when it existed before.
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := os.Chmod(s.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if s.organisationsDSN == "" {
		s.organisationsDSN = filepath.Join(s.dataDir, "organisations.db")
	}
	if s.teamsDSN == "" {
		s.teamsDSN = filepath.Join(s.dataDir, "teams.db")
	}
	if s.planningDSN == "" {
		s.planningDSN = filepath.Join(s.dataDir, "planning.db")
	}
	if s.kpisDSN == "" {
		s.kpisDSN = filepath.Join(s.dataDir, "kpis.db")
	}
	// Everything opened from here on is closed, last first, when start fails
	// or the process stops.
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*process, error) { cleanup(); return nil, err }

	// Each service, and the gateway, has a NATS connection of its own. On
	// the embedded server each is its own user, with the permissions a
	// cluster gives it (deploy/nats/nats.conf): a service publishes only
	// its own events, the gateway only reads. An external NATS gets the
	// one set of credentials the flags give, for every connection.
	natsStore := filepath.Join(s.dataDir, "nats")
	connect := func(user string) (*broker.Broker, error) {
		return broker.Connect(broker.Config{URL: s.natsURL, Credentials: s.natsCreds, Name: "goldenthread-" + user}, logger)
	}
	var natsURL, natsPasswords string
	if s.natsURL == "" {
		srv, err := broker.StartServer(broker.Config{StoreDir: natsStore, Listen: s.natsListen, SubjectPrefix: s.subjectPrefix}, logger)
		if err != nil {
			return nil, err
		}
		closers = append(closers, srv.Close)
		connect = func(user string) (*broker.Broker, error) { return srv.Connect(user, "goldenthread-"+user, logger) }
		if s.natsListen != "" {
			natsURL, natsPasswords = "nats://"+dialable(strings.TrimPrefix(srv.ClientURL(), "nats://")), natsStore
		}
	}
	brokers := map[string]*broker.Broker{}
	for _, user := range append([]string{broker.UserGateway}, broker.Services...) {
		b, err := connect(user)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, b.Close)
		brokers[user] = b
	}

	grpcLis, err := serve.Listen(s.grpcAddr)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = grpcLis.Close() })
	httpLis, err := serve.Listen(s.httpAddr)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = httpLis.Close() })
	grpcAddr := dialable(grpcLis.Addr().String())

	verifier, err := jwtVerifier(s)
	if err != nil {
		return fail(err)
	}
	// Every service gets the same settings but its own database. The
	// services reach each other through the gRPC port, as they would across
	// machines.
	settings := func(dsn string) host.Settings {
		return host.Settings{DSN: dsn, SubjectPrefix: s.subjectPrefix, StreamReplicas: s.streamReplicas, Stream: s.stream, HistoryMaxAge: s.historyMaxAge, JWT: verifier,
			Addrs: host.AllAt(grpcAddr)}
	}
	orgs, err := organisations.Open(ctx, organisations.Config{Settings: settings(s.organisationsDSN), PlatformAdmins: config.List(s.platformAdmins), Webhooks: s.webhooks()}, logger)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = orgs.Close() })
	adminToken, err := orgs.Bootstrap(ctx)
	if err != nil {
		return fail(err)
	}
	adminTokenFile := filepath.Join(s.dataDir, "admin-token")
	if adminToken != "" {
		if err := auth.WriteTokenFile(adminTokenFile, adminToken); err != nil {
			return fail(err)
		}
	}
	tms, err := teams.Open(ctx, settings(s.teamsDSN), logger)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = tms.Close() })
	plan, err := planning.Open(ctx, settings(s.planningDSN), logger)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = plan.Close() })
	measures, err := kpis.Open(ctx, settings(s.kpisDSN), logger)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = measures.Close() })

	// The gateway calls the services in process, through the interceptors
	// a call over the gRPC port meets, so that they run for REST calls too;
	// while traces are recorded, over the port, where the client and
	// server spans of each call are made.
	serveGateway := func(ctx context.Context, srv *grpcserver.Server) error {
		var local grpcclient.Server
		if !tracing.Active() {
			local = srv
		}
		gw, err := gateway.New(ctx, gateway.Config{OrganisationsAddr: grpcAddr, TeamsAddr: grpcAddr, PlanningAddr: grpcAddr, KpisAddr: grpcAddr,
			BodyLimit: s.bodyLimit, Timeout: s.timeout, CORSOrigins: config.List(s.corsOrigins), EventsPerCaller: s.eventsPerCaller,
			NATS: brokers[broker.UserGateway].Conn, SubjectPrefix: s.subjectPrefix, Web: webSettings(s), Metrics: srv.Registry, Logger: logger,
			Local: local})
		if err != nil {
			return err
		}
		defer gw.Close()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		mux.Handle("/", gw)
		return serve.HTTP(ctx, mux, httpLis)
	}

	var pprofLis net.Listener
	if s.pprofAddr != "" {
		if pprofLis, err = serve.Listen(s.pprofAddr); err != nil {
			return fail(err)
		}
		closers = append(closers, func() { _ = pprofLis.Close() })
	}
	serveAlso := func(ctx context.Context, srv *grpcserver.Server) error {
		if pprofLis == nil {
			return serveGateway(ctx, srv)
		}
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return serveGateway(ctx, srv) })
		g.Go(func() error { return serve.HTTP(ctx, profiler(), pprofLis) })
		return g.Wait()
	}

	p := &process{httpAddr: httpLis.Addr().String(), grpcAddr: grpcAddr, natsURL: natsURL, natsPasswords: natsPasswords, adminToken: adminToken,
		adminTokenFile: adminTokenFile, done: make(chan error, 1)}
	go func() {
		// In one process every service checks credentials against the
		// organisations service's own data, without a network hop.
		err := host.Run(ctx, host.Config{Logger: logger, Brokers: brokers, Services: []host.Service{orgs, tms, plan, measures},
			Resolver: orgs.Resolver(), GRPC: grpcLis, Limits: s.grpcLimits, Also: serveAlso})
		cleanup()
		logger.Info("stopped")
		p.done <- err
	}()
	return p, nil
}

// profiler serves the Go runtime's profiles under /debug/pprof/.
func profiler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	return mux
}

// webSettings are what the web client learns from /config.json: single
// sign-on only with an external issuer, since the built-in one only signs
// tokens (`goldenthread token`) and has no sign-in page.
func webSettings(s settings) web.Settings {
	if s.oidcIssuer == "" || s.oidcClientID == "" {
		return web.Settings{}
	}
	return web.Settings{OIDCIssuer: s.oidcIssuer, OIDCClientID: s.oidcClientID, OIDCAudience: s.oidcAudience, OIDCScopes: s.oidcScopes}
}

// jwtVerifier checks the JWTs of the configured OpenID Connect issuer, or
// else of the built-in one.
func jwtVerifier(s settings) (*jwt.Verifier, error) {
	if s.oidcIssuer != "" {
		keys, err := jwt.NewJWKS(s.oidcIssuer)
		if err != nil {
			return nil, err
		}
		return jwt.NewVerifier(s.oidcIssuer, s.oidcAudience, keys)
	}
	iss, err := jwt.LoadOrCreateIssuer(builtinIssuerDir(s.dataDir), builtinIssuer)
	if err != nil {
		return nil, err
	}
	return jwt.NewVerifier(builtinIssuer, s.oidcAudience, iss.Keys())
}

// dialable turns a listen address into one a client can dial: a wildcard
// host becomes loopback.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

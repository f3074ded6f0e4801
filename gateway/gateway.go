// Package gateway is the REST front door: JSON over HTTP under /v1/..., per
// the Google AIP HTTP mappings in the protos, translated by grpc-gateway into
// gRPC calls to the services over real client connections, so that every
// service interceptor (validation, logging, and later authentication) runs
// for REST callers too.
//
// The caller's Authorization header travels with each call, so every
// service authenticates and authorises REST callers itself. Besides the API
// the gateway serves, without credentials, the OpenAPI document at
// /openapi.json, liveness at /healthz, readiness (every backend's gRPC
// health) at /readyz and the web client at / (package web). With a NATS
// connection it also streams an organisation's change events to callers who
// may read it, at /v1/organisations/{org}/events (events.go), at most
// Config.EventsPerCaller streams per caller.
//
// Every API call is checked before any service sees it (requests.go): its
// parameters are UTF-8, its body is JSON (or CSV to an import) and one JSON
// value. Every API answer is Cache-Control: no-store, every answer nosniff,
// and a CSV export is a download named after its KPI (csvbody.go).
package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/goldenthread/goldenthread/gateway/openapi"
	"github.com/goldenthread/goldenthread/gateway/pack"
	"github.com/goldenthread/goldenthread/gateway/public"
	"github.com/goldenthread/goldenthread/gateway/web"
	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/grpcclient"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
)

// Defaults of Config.
const (
	DefaultBodyLimit = 1 << 20
	DefaultTimeout   = 30 * time.Second
)

// Config configures the gateway.
type Config struct {
	// OrganisationsAddr is the gRPC address of the organisations service
	// (organisations and people).
	OrganisationsAddr string
	// TeamsAddr is the gRPC address of the teams service (teams and members).
	TeamsAddr string
	// PlanningAddr is the gRPC address of the planning service (the plan).
	PlanningAddr string
	// KpisAddr is the gRPC address of the KPI service (KPIs and
	// measurements).
	KpisAddr string
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int64
	// Timeout bounds each call to a service.
	Timeout time.Duration
	// CORSOrigins lists the origins allowed to call the API from a browser
	// ("*" for any); empty disables CORS.
	CORSOrigins []string
	// NATS, when set, feeds the live event stream; without it the stream
	// answers 503.
	NATS *nats.Conn
	// SubjectPrefix starts the services' event subjects ("goldenthread"
	// when empty).
	SubjectPrefix string
	// EventsHeartbeat is how often an idle event stream sends a comment
	// (keeping proxies from closing it); EventsRecheck how often it asks
	// again whether the caller may still read the organisation.
	EventsHeartbeat, EventsRecheck time.Duration
	// EventsPerCaller is the most live event streams one caller (one user
	// or API token, however many tokens it holds) may have open at once;
	// past it a stream is refused with 429. DefaultEventsPerCaller when 0
	// or less.
	EventsPerCaller int
	// Metrics, when set, is where the gateway registers its HTTP metrics.
	Metrics prometheus.Registerer
	// Local, when set, is the server of all four services in this process
	// (the all-in-one): unary calls reach them in process, through the
	// same interceptors (grpcclient.Local), and only streams and
	// readiness checks use the addresses.
	Local grpcclient.Server
	// Web are the public settings of the web client.
	Web    web.Settings
	Logger *slog.Logger
}

// Gateway is the REST front door, an http.Handler.
type Gateway struct {
	handler  http.Handler
	backends []backend
	// stop ends the live event streams.
	stop context.CancelFunc
}

type backend struct {
	name string
	// conn is the connection to the service's address; calls is what
	// calls go over: conn, or the service in process (Config.Local).
	conn  *grpc.ClientConn
	calls grpc.ClientConnInterface
}

// New connects to the services (lazily: a service that is down makes its
// calls fail with 503 until it is back) and builds the handler.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.SubjectPrefix == "" {
		cfg.SubjectPrefix = "goldenthread"
	}
	if cfg.EventsHeartbeat <= 0 {
		cfg.EventsHeartbeat = DefaultEventsHeartbeat
	}
	if cfg.EventsRecheck <= 0 {
		cfg.EventsRecheck = DefaultEventsRecheck
	}
	if cfg.EventsPerCaller <= 0 {
		cfg.EventsPerCaller = DefaultEventsPerCaller
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	jsonBody := &runtime.HTTPBodyMarshaler{
		Marshaler: &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		},
	}
	var mux *runtime.ServeMux
	mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, jsonBody),
		runtime.WithMarshalerOption(csvMIME, rawBodyMarshaler{Marshaler: jsonBody, contentType: csvMIME}),
		runtime.WithErrorHandler(errorHandler),
		// Applied as each route is registered, below, when mux is set.
		runtime.WithMiddlewares(
			func(next runtime.HandlerFunc) runtime.HandlerFunc { return checkRequests(mux, next) },
			rememberPathParams, noteRoute),
		runtime.WithForwardResponseOption(csvDownload),
	)
	closing, stop := context.WithCancel(context.WithoutCancel(ctx))
	g := &Gateway{stop: stop}
	context.AfterFunc(ctx, stop)
	for _, b := range []struct {
		name, addr string
		register   []registerFunc
	}{
		{"organisations", cfg.OrganisationsAddr, []registerFunc{
			via(orgpb.RegisterOrganisationsServiceHandlerClient, orgpb.NewOrganisationsServiceClient),
			via(orgpb.RegisterPeopleServiceHandlerClient, orgpb.NewPeopleServiceClient),
			via(orgpb.RegisterAccessServiceHandlerClient, orgpb.NewAccessServiceClient),
			via(orgpb.RegisterWebhooksServiceHandlerClient, orgpb.NewWebhooksServiceClient),
			via(identitypb.RegisterCallerServiceHandlerClient, identitypb.NewCallerServiceClient)}},
		{"teams", cfg.TeamsAddr, []registerFunc{
			via(teamspb.RegisterTeamsServiceHandlerClient, teamspb.NewTeamsServiceClient),
			via(teamspb.RegisterMembersServiceHandlerClient, teamspb.NewMembersServiceClient)}},
		{"planning", cfg.PlanningAddr, []registerFunc{
			via(planningpb.RegisterElementsServiceHandlerClient, planningpb.NewElementsServiceClient),
			via(planningpb.RegisterLinkRequestsServiceHandlerClient, planningpb.NewLinkRequestsServiceClient),
			via(planningpb.RegisterCheckInsServiceHandlerClient, planningpb.NewCheckInsServiceClient),
			via(planningpb.RegisterCommentsServiceHandlerClient, planningpb.NewCommentsServiceClient),
			via(planningpb.RegisterWorkServiceHandlerClient, planningpb.NewWorkServiceClient),
			via(planningpb.RegisterDigestServiceHandlerClient, planningpb.NewDigestServiceClient),
			via(planningpb.RegisterCyclesServiceHandlerClient, planningpb.NewCyclesServiceClient),
			via(planningpb.RegisterPublicationServiceHandlerClient, planningpb.NewPublicationServiceClient)}},
		{"kpis", cfg.KpisAddr, []registerFunc{
			via(kpispb.RegisterKpisServiceHandlerClient, kpispb.NewKpisServiceClient),
			via(kpispb.RegisterMeasurementsServiceHandlerClient, kpispb.NewMeasurementsServiceClient)}},
	} {
		conn, err := grpcclient.Dial(b.addr, interceptor.CallerGateway)
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("gateway: %s: %w", b.name, err)
		}
		var calls grpc.ClientConnInterface = conn
		if cfg.Local != nil {
			calls = grpcclient.Local(cfg.Local, conn, interceptor.CallerGateway)
		}
		g.backends = append(g.backends, backend{name: b.name, conn: conn, calls: calls})
		for _, register := range b.register {
			if err := register(ctx, mux, calls); err != nil {
				g.Close()
				return nil, fmt.Errorf("gateway: register %s: %w", b.name, err)
			}
		}
	}

	orgsConn := g.backends[0].calls
	// Every service keeps the history of its own resources; the front
	// door answers for all of them.
	changes := historyOf(g.backends)
	if err := historypb.RegisterHistoryServiceHandlerClient(ctx, mux, changes); err != nil {
		g.Close()
		return nil, fmt.Errorf("gateway: register history: %w", err)
	}
	if err := mux.HandlePath("GET", "/v1/{parent=organisations/*}/changes:export",
		exportChanges(mux, jsonBody, changes, orgpb.NewPeopleServiceClient(orgsConn))); err != nil {
		g.Close()
		return nil, fmt.Errorf("gateway: register the change log's export: %w", err)
	}
	teamsConn, planningConn, kpisConn := g.backends[1].calls, g.backends[2].calls, g.backends[3].calls
	if err := mux.HandlePath("GET", "/v1/{parent=organisations/*}:report", reportPack(mux, jsonBody, pack.Clients{
		Organisations: orgpb.NewOrganisationsServiceClient(orgsConn), People: orgpb.NewPeopleServiceClient(orgsConn),
		Teams: teamspb.NewTeamsServiceClient(teamsConn), Elements: planningpb.NewElementsServiceClient(planningConn),
		Cycles: planningpb.NewCyclesServiceClient(planningConn), KPIs: kpispb.NewKpisServiceClient(kpisConn),
		Measurements: kpispb.NewMeasurementsServiceClient(kpisConn)})); err != nil {
		g.Close()
		return nil, fmt.Errorf("gateway: register the report pack: %w", err)
	}
	root := http.NewServeMux()
	root.Handle("/v1/", noStore(limitBody(cfg.BodyLimit, withTimeout(cfg.Timeout, mux))))
	// A stream outlives the per-call timeout; it has its own checks.
	root.Handle("GET /v1/organisations/{org}/events", noStore(&liveEvents{nc: cfg.NATS, prefix: cfg.SubjectPrefix,
		orgs: orgpb.NewOrganisationsServiceClient(orgsConn), callers: identitypb.NewCallerServiceClient(orgsConn),
		heartbeat: cfg.EventsHeartbeat, recheck: cfg.EventsRecheck, closing: closing,
		streams: newStreamSlots(cfg.EventsPerCaller), mux: mux, logger: logger}))
	// What organisations publish, to anyone: no token, cacheable.
	public.Handler{Plans: planningpb.NewPublicationServiceClient(planningConn), KPIs: kpispb.NewKpisServiceClient(kpisConn), Logger: logger}.Register(root)
	root.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.JSON)
	})
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	root.HandleFunc("GET /readyz", g.readyz)
	root.Handle("/", web.Handler(cfg.Web))

	var h http.Handler = root
	if len(cfg.CORSOrigins) > 0 {
		h = cors(cfg.CORSOrigins, h)
	}
	var metrics *httpMetrics
	if cfg.Metrics != nil {
		var err error
		if metrics, err = newHTTPMetrics(cfg.Metrics); err != nil {
			g.Close()
			return nil, fmt.Errorf("gateway: metrics: %w", err)
		}
	}
	g.handler = observe(logger, metrics, nosniff(h))
	if tracing.Active() {
		// A span per request (continuing a traceparent the caller sent),
		// which the calls to the services carry on.
		g.handler = otelhttp.NewHandler(g.handler, "gateway",
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return methodOf(r) + " " + r.Pattern }))
	}
	return g, nil
}

// registerFunc registers a service's REST routes on mux, calling it over
// conn.
type registerFunc func(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error

// via is the registerFunc of a service's generated handler registration
// and client constructor.
func via[C any](register func(context.Context, *runtime.ServeMux, C) error, client func(grpc.ClientConnInterface) C) registerFunc {
	return func(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
		return register(ctx, mux, client(conn))
	}
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// Close ends the live event streams and closes the connections to the
// services.
func (g *Gateway) Close() {
	if g.stop != nil {
		g.stop()
	}
	for _, b := range g.backends {
		_ = b.conn.Close()
	}
}

// readyz answers 200 when every service reports SERVING, 503 otherwise,
// with each service's state.
func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	code := http.StatusOK
	states := map[string]string{}
	for _, b := range g.backends {
		resp, err := healthpb.NewHealthClient(b.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		switch {
		case err != nil:
			states[b.name] = "UNREACHABLE"
			code = http.StatusServiceUnavailable
		default:
			states[b.name] = resp.Status.String()
			if resp.Status != healthpb.HealthCheckResponse_SERVING {
				code = http.StatusServiceUnavailable
			}
		}
	}
	writeJSON(w, code, map[string]any{"services": states})
}

func withTimeout(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// noStore keeps API answers out of every cache, the browser's included:
// they are one caller's view of data that changes, and may hold what
// another person using the same browser must not read.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// nosniff tells browsers to take every answer for the type it declares, so
// that no JSON or CSV holding a caller's text is ever run as a script or
// shown as a page.
func nosniff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func cors(origins []string, h http.Handler) http.Handler {
	any := len(origins) == 1 && origins[0] == "*"
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[strings.TrimSpace(o)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (any || allowed[origin]) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			w.Header().Set("Access-Control-Expose-Headers", "Grpc-Metadata-Etag, Content-Disposition")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe logs every request and, when metrics is not nil, counts it.
func observe(logger *slog.Logger, metrics *httpMetrics, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		var rest string
		// The root mux notes its pattern on the request it serves.
		served := r.WithContext(context.WithValue(r.Context(), routeKey{}, &rest))
		h.ServeHTTP(rec, served)
		took := time.Since(start)
		route := routeOf(served, rest)
		if metrics != nil {
			metrics.observe(route, methodOf(r), rec.code, took)
		}
		// otelhttp names its span after the route (see New).
		r.Pattern = route
		level := slog.LevelInfo
		if rec.code >= 500 {
			level = slog.LevelWarn
		}
		logger.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.code), slog.Duration("duration", took))
	})
}

package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// backend is the organisations, teams, planning and KPI services on one port, as
// in the all-in-one, with the issuer of the tokens they accept.
type backend struct {
	addr string
	auth *authtest.Env
	// admin is a platform admin's token.
	admin string
	// nats is the services' NATS, whose events the gateway may stream.
	nats *nats.Conn
}

func startServices(t *testing.T) backend { return startServicesOn(t, sqldbtest.SQLiteDSN) }

// startServicesOn runs the four services, each with a database of its own
// from newDSN, on one gRPC listener.
func startServicesOn(t *testing.T, newDSN func(t *testing.T) string) backend {
	t.Helper()
	s := servicetest.Start(t, servicetest.Options{Services: servicetest.All, NewDSN: newDSN})
	return backend{addr: s.Addr, auth: s.Auth, admin: s.Admin, nats: s.Broker.Conn}
}

// onEachStore runs test with services on SQLite databases and, where
// GT_TEST_POSTGRES_DSN names a server, on PostgreSQL ones; newDSN makes
// each service's database.
func onEachStore(t *testing.T, test func(t *testing.T, newDSN func(t *testing.T) string)) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		newDSN := sqldbtest.SQLiteDSN
		if strings.HasPrefix(dsn, "postgres") {
			newDSN = sqldbtest.PostgresDSN
		}
		test(t, newDSN)
	})
}

// config points every backend of the gateway at the services.
func (b backend) config() gateway.Config {
	return gateway.Config{OrganisationsAddr: b.addr, TeamsAddr: b.addr, PlanningAddr: b.addr, KpisAddr: b.addr}
}

// api is a gateway under test and the token its requests carry by default.
type api struct {
	*httptest.Server
	token string
	// close closes the gateway (its streams end) and then the server.
	close func()
}

func startGateway(t *testing.T, cfg gateway.Config, token string) *api {
	t.Helper()
	cfg.Logger = brokertest.Logger()
	gw, err := gateway.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	// Every call through it is checked against the OpenAPI document.
	srv.Client().Transport = checkAgainstOpenAPI(t, srv.Client().Transport)
	closed := false
	closeAll := func() {
		if !closed {
			closed = true
			gw.Close()
			srv.Close()
		}
	}
	t.Cleanup(closeAll)
	return &api{Server: srv, token: token, close: closeAll}
}

// startAll runs the services and a gateway in front of them, calling as a
// platform admin.
func startAll(t *testing.T) (*api, backend) {
	b := startServices(t)
	return startGateway(t, b.config(), b.admin), b
}

type reply struct {
	code   int
	body   map[string]any
	raw    string
	header http.Header
}

// do makes a request with the api's token; headers (name, value pairs)
// override the defaults, an empty value removing the header.
func do(t *testing.T, srv *api, method, path, body string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if srv.token != "" {
		req.Header.Set("Authorization", "Bearer "+srv.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{code: resp.StatusCode, raw: string(raw), header: resp.Header}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (r reply) want(t *testing.T, code int, mention string) reply {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.raw)
	}
	if mention != "" && !strings.Contains(r.raw, mention) {
		t.Fatalf("reply does not mention %q: %s", mention, r.raw)
	}
	return r
}

func (r reply) str(key string) string { s, _ := r.body[key].(string); return s }

func TestRESTLifecycle(t *testing.T) {
	srv, _ := startAll(t)

	created := do(t, srv, "POST", "/v1/organisations?organisation_id=north&request_id=r1",
		`{"display_name":"North Council","kind":"KIND_COUNCIL","website":"https://north.example"}`).want(t, 200, `"create_time"`)
	if created.str("name") != "organisations/north" || created.str("display_name") != "North Council" {
		t.Fatalf("created %s", created.raw)
	}
	// Retrying (the same request, with the same request_id) returns the
	// same organisation.
	do(t, srv, "POST", "/v1/organisations?organisation_id=north&request_id=r1",
		`{"display_name":"North Council","kind":"KIND_COUNCIL","website":"https://north.example"}`).want(t, 200, `"etag":"`+created.str("etag")+`"`)
	do(t, srv, "GET", "/v1/organisations/north", "").want(t, 200, "North Council")
	do(t, srv, "POST", "/v1/organisations", `{"display_name":"South Council","kind":"KIND_COUNCIL"}`).want(t, 200, "")

	page := do(t, srv, "GET", "/v1/organisations?page_size=1&order_by=display_name", "").want(t, 200, "North Council")
	next := page.str("next_page_token")
	if next == "" {
		t.Fatalf("no next_page_token: %s", page.raw)
	}
	do(t, srv, "GET", "/v1/organisations?page_size=1&order_by=display_name&page_token="+next, "").want(t, 200, "South Council")
	do(t, srv, "GET", "/v1/organisations?filter=kind%20%3D%20KIND_COUNCIL%20AND%20display_name%3A%22north%22", "").want(t, 200, "North Council")

	updated := do(t, srv, "PATCH", "/v1/organisations/north",
		`{"display_name":"North County Council","etag":"`+created.str("etag")+`"}`).want(t, 200, "North County Council")
	if updated.str("website") != "https://north.example" {
		t.Fatalf("PATCH without update_mask touched other fields: %s", updated.raw)
	}
	do(t, srv, "PATCH", "/v1/organisations/north", `{"display_name":"Stale","etag":"`+created.str("etag")+`"}`).want(t, 409, "etag")

	deleted := do(t, srv, "DELETE", "/v1/organisations/north", "").want(t, 200, "delete_time")
	if strings.Contains(do(t, srv, "GET", "/v1/organisations", "").raw, "organisations/north") {
		t.Fatal("deleted organisation listed")
	}
	do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").want(t, 200, "organisations/north")
	do(t, srv, "DELETE", "/v1/organisations/north", "").want(t, 404, "")
	do(t, srv, "POST", "/v1/organisations/north:undelete", `{"etag":"`+deleted.str("etag")+`"}`).want(t, 200, "North County Council")
	do(t, srv, "POST", "/v1/organisations/north:undelete", `{}`).want(t, 409, "")
	do(t, srv, "GET", "/v1/organisations/ghost", "").want(t, 404, "organisations/ghost")
}

func TestRESTBadInput(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	cfg.BodyLimit = 4096
	srv := startGateway(t, cfg, b.admin)
	do(t, srv, "POST", "/v1/organisations?organisation_id=taken", `{"display_name":"Taken","kind":"KIND_AGENCY"}`).want(t, 200, "")
	before := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw

	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		mention                  string
	}{
		{"empty display name", "POST", "/v1/organisations", `{"display_name":"","kind":"KIND_COUNCIL"}`, 400, "organisation.display_name"},
		{"over-long display name", "POST", "/v1/organisations", `{"display_name":"` + strings.Repeat("x", 201) + `","kind":"KIND_COUNCIL"}`, 400, "organisation.display_name"},
		{"missing kind", "POST", "/v1/organisations", `{"display_name":"x"}`, 400, "organisation.kind"},
		{"unknown kind", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_PLANET"}`, 400, "KIND_PLANET"},
		{"invalid JSON", "POST", "/v1/organisations", `{"display_name":`, 400, ""},
		{"unknown field", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_COUNCIL","colour":"red"}`, 400, "colour"},
		{"oversized body", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_COUNCIL","description":"` + strings.Repeat("y", 5000) + `"}`, 413, "larger than 4096"},
		{"bad id", "POST", "/v1/organisations?organisation_id=Bad_Id", `{"display_name":"x","kind":"KIND_COUNCIL"}`, 400, "organisation_id"},
		{"duplicate id", "POST", "/v1/organisations?organisation_id=taken", `{"display_name":"x","kind":"KIND_COUNCIL"}`, 409, "already exists"},
		{"invalid resource name", "GET", "/v1/organisations/Bad_Name", "", 400, "name"},
		{"negative page_size", "GET", "/v1/organisations?page_size=-1", "", 400, "page_size"},
		{"non-numeric page_size", "GET", "/v1/organisations?page_size=lots", "", 400, "page_size"},
		{"garbage page_token", "GET", "/v1/organisations?page_token=garbage", "", 400, "page_token"},
		{"bad filter", "GET", "/v1/organisations?filter=colour%3Dred", "", 400, "filter"},
		{"unknown update_mask path", "PATCH", "/v1/organisations/taken?update_mask=colour", `{"display_name":"x"}`, 400, "update_mask"},
		{"stale etag", "PATCH", "/v1/organisations/taken", `{"display_name":"x","etag":"41"}`, 409, "etag"},
		{"unknown path", "GET", "/v1/planets", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.body).want(t, tc.code, tc.mention)
			if _, ok := r.body["code"]; !ok {
				t.Errorf("error is not a google.rpc.Status: %s", r.raw)
			}
		})
	}
	if after := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw; after != before {
		t.Errorf("bad input changed the data:\nbefore %s\nafter  %s", before, after)
	}
	r := do(t, srv, "POST", "/v1/organisations", `{"display_name":"","kind":"KIND_COUNCIL"}`)
	if !strings.Contains(r.raw, "google.rpc.BadRequest") || !strings.Contains(r.raw, `"field":"organisation.display_name"`) {
		t.Errorf("400 carries no BadRequest field violation: %s", r.raw)
	}
}

func TestOpenAPIHealthAndReadiness(t *testing.T) {
	srv, _ := startAll(t)
	doc := do(t, srv, "GET", "/openapi.json", "").want(t, 200, "/v1/organisations")
	if version, _ := doc.body["openapi"].(string); !strings.HasPrefix(version, "3.") {
		t.Errorf("openapi.json: %.200s", doc.raw)
	}
	do(t, srv, "GET", "/healthz", "").want(t, 200, "ok")
	deadline := time.Now().Add(10 * time.Second)
	for do(t, srv, "GET", "/readyz", "").code != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never 200: %s", do(t, srv, "GET", "/readyz", "").raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServiceDownIs503(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	srv := startGateway(t, gateway.Config{OrganisationsAddr: addr, TeamsAddr: addr, PlanningAddr: addr, KpisAddr: addr, Timeout: 3 * time.Second}, "gt_anything.x")
	start := time.Now()
	r := do(t, srv, "GET", "/v1/organisations", "").want(t, 503, "unavailable")
	if strings.Contains(r.raw, addr) {
		t.Errorf("503 reveals the backend address: %s", r.raw)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("503 took %s", took)
	}
	do(t, srv, "GET", "/readyz", "").want(t, 503, "UNREACHABLE")
}

func TestCORS(t *testing.T) {
	b := startServices(t)
	off := startGateway(t, b.config(), "")
	pre := func(srv *api, origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", srv.URL+"/v1/organisations", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if h := pre(off, "https://app.example").Header.Get("Access-Control-Allow-Origin"); h != "" {
		t.Errorf("CORS is on by default: %q", h)
	}
	cfg := b.config()
	cfg.CORSOrigins = []string{"https://app.example"}
	on := startGateway(t, cfg, "")
	if resp := pre(on, "https://app.example"); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight from allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if h := pre(on, "https://evil.example").Header.Get("Access-Control-Allow-Origin"); h != "" {
		t.Errorf("preflight from other origin allowed: %q", h)
	}
}

package gateway_test

import (
	"strings"
	"testing"
)

// TestRESTInvalidUTF8: a path or query parameter that is not UTF-8 once
// percent-decoded is a 400 naming the parameter, decided before any
// service is asked (so the same without a token), never a 500.
func TestRESTInvalidUTF8(t *testing.T) {
	b := startServices(t)
	anonymous := startGateway(t, b.config(), "")
	admin := startGateway(t, b.config(), b.admin)
	do(t, admin, "POST", "/v1/organisations?organisation_id=north", `{"display_name":"North","kind":"KIND_COUNCIL"}`).want(t, 200, "")
	before := do(t, admin, "GET", "/v1/organisations?show_deleted=true", "").raw

	for _, tc := range []struct {
		name, method, path, body, field string
	}{
		{"path segment", "GET", "/v1/organisations/%FF", "", "name"},
		{"path segment of a list", "GET", "/v1/organisations/north%C3%28/teams", "", "parent"},
		{"path segment of an update", "PATCH", "/v1/organisations/%ED%A0%80", `{"display_name":"x"}`, "organisation.name"},
		{"path segment of a custom method", "POST", "/v1/organisations/%FEnorth:undelete", `{}`, "name"},
		{"query value", "GET", "/v1/organisations?filter=display_name%3A%22%FF%22", "", "filter"},
		{"query value on create", "POST", "/v1/organisations?organisation_id=%C0%AF", `{"display_name":"x","kind":"KIND_COUNCIL"}`, "organisation_id"},
		{"one of several values", "GET", "/v1/organisations?order_by=display_name&order_by=%FF", "", "order_by"},
		{"query name", "GET", "/v1/organisations?page%FF=1", "", "page\uFFFD"},
		{"event stream", "GET", "/v1/organisations/%FF/events", "", "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, srv := range []*api{anonymous, admin} {
				r := do(t, srv, tc.method, tc.path, tc.body).want(t, 400, "")
				if !strings.Contains(r.raw, "google.rpc.BadRequest") || !strings.Contains(r.raw, `"field":"`+tc.field+`"`) {
					t.Errorf("no BadRequest field violation naming %q: %s", tc.field, r.raw)
				}
			}
		})
	}
	if after := do(t, admin, "GET", "/v1/organisations?show_deleted=true", "").raw; after != before {
		t.Errorf("a refused request changed the data:\nbefore %s\nafter  %s", before, after)
	}
	// Valid UTF-8 beyond ASCII is only text.
	do(t, admin, "GET", "/v1/organisations?filter="+`display_name%3A%22Nörth%E2%80%94%22`, "").want(t, 200, "")
}

// TestRESTOneJSONValue: a body is one JSON value and nothing after it but
// whitespace; whatever follows it is refused, not ignored (and the value
// stored).
func TestRESTOneJSONValue(t *testing.T) {
	srv, _ := startAll(t)
	do(t, srv, "POST", "/v1/organisations?organisation_id=north", `{"display_name":"North","kind":"KIND_COUNCIL"}`).want(t, 200, "")
	before := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw

	for _, tc := range []struct{ name, method, path, body string }{
		{"garbage after the object", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_COUNCIL"} garbage`},
		{"two objects", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_COUNCIL"}{}`},
		{"a stray brace", "POST", "/v1/organisations", `{"display_name":"x","kind":"KIND_COUNCIL"}}`},
		{"two objects on an update", "PATCH", "/v1/organisations/north", `{"display_name":"y"}{"display_name":"z"}`},
		{"two empty objects", "POST", "/v1/organisations/north:undelete", `{}{}`},
		{"a second value on its own line", "POST", "/v1/organisations", "{\"display_name\":\"x\",\"kind\":\"KIND_COUNCIL\"}\n1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.body).want(t, 400, "one JSON value")
			if !strings.Contains(r.raw, "google.rpc.BadRequest") || !strings.Contains(r.raw, `"field":"body"`) {
				t.Errorf("no BadRequest field violation naming the body: %s", r.raw)
			}
		})
	}
	if after := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw; after != before {
		t.Errorf("a refused body changed the data:\nbefore %s\nafter  %s", before, after)
	}
	// Whitespace after the value is fine, as is no body at all.
	do(t, srv, "POST", "/v1/organisations?organisation_id=south", "{\"display_name\":\"South\",\"kind\":\"KIND_COUNCIL\"}\r\n\t \n").
		want(t, 200, "organisations/south")
	do(t, srv, "DELETE", "/v1/organisations/south", "").want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/south:undelete", "").want(t, 200, "organisations/south")
}

// TestRESTContentTypes: a body is read as JSON only when it says it is JSON
// (or says nothing); any other type is 415, except CSV for an import.
func TestRESTContentTypes(t *testing.T) {
	srv, _ := startAll(t)
	before := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw
	body := `{"display_name":"Typed","kind":"KIND_COUNCIL"}`
	for _, ct := range []string{
		"application/x-www-form-urlencoded", // curl -d, and any HTML form on any site
		"text/plain",
		"multipart/form-data; boundary=x",
		"application/xml",
		"application/json; charset=latin1",
		"application/json-seq",
		"not a media type;;",
	} {
		t.Run(ct, func(t *testing.T) {
			r := do(t, srv, "POST", "/v1/organisations", body, "Content-Type", ct).want(t, 415, "application/json")
			if _, ok := r.body["code"]; !ok || !strings.Contains(r.raw, "UNSUPPORTED_MEDIA_TYPE") {
				t.Errorf("415 is not a google.rpc.Status with its reason: %s", r.raw)
			}
		})
	}
	if after := do(t, srv, "GET", "/v1/organisations?show_deleted=true", "").raw; after != before {
		t.Errorf("a refused body changed the data:\nbefore %s\nafter  %s", before, after)
	}
	do(t, srv, "POST", "/v1/organisations?organisation_id=a", body, "Content-Type", "application/json; charset=utf-8").want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations?organisation_id=b", body, "Content-Type", "Application/JSON; Charset=UTF-8").want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations?organisation_id=c", body, "Content-Type", "").want(t, 200, "")
	// CSV is for the routes that take a file; elsewhere it is refused.
	do(t, srv, "POST", "/v1/organisations?organisation_id=d", body, "Content-Type", "text/csv").want(t, 400, "send JSON")
}

// TestRESTResponseHeaders: no API answer, error or not, is kept by a cache
// or sniffed into another type; the web client's files are not sniffed
// either.
func TestRESTResponseHeaders(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	cfg.BodyLimit = 64
	srv := startGateway(t, cfg, b.admin)
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		code                     int
	}{
		{"ok", "GET", "/v1/organisations", "", nil, 200},
		{"no token", "GET", "/v1/organisations", "", []string{"Authorization", ""}, 401},
		{"not found", "GET", "/v1/organisations/ghost", "", nil, 404},
		{"no route", "GET", "/v1/planets", "", nil, 404},
		{"bad input", "GET", "/v1/organisations?page_size=-1", "", nil, 400},
		{"too large", "POST", "/v1/organisations", `{"display_name":"` + strings.Repeat("x", 100) + `"}`, nil, 413},
		{"wrong type", "POST", "/v1/organisations", `{}`, []string{"Content-Type", "text/plain"}, 415},
		{"event stream refused", "GET", "/v1/organisations/ghost/events", "", nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.body, tc.headers...).want(t, tc.code, "")
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
	for _, path := range []string{"/", "/js/app.js", "/app.css", "/config.json", "/openapi.json", "/healthz"} {
		if got := do(t, srv, "GET", path, "").want(t, 200, "").header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
}

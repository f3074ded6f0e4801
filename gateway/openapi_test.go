package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/goldenthread/goldenthread/gateway"
	"github.com/goldenthread/goldenthread/gateway/openapi"
)

// The REST tests call the gateway through a client that checks each
// request and answer against the OpenAPI document the gateway serves
// (startGateway): an answer the document does not describe fails the test,
// and so does a request the document refuses that the gateway answered
// with success. The routes the gateway serves outside the API (/healthz,
// /readyz, /metrics, /openapi.json, /public/..., the web client: all but
// /v1/) are not checked, nor CORS preflights.

func init() {
	// The report pack's forms: read as text, whose schema is a string.
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// apiDoc is the served OpenAPI document and the routes of its paths.
type apiDoc struct {
	doc    *openapi3.T
	routes []docRoute
}

// docRoute is a path of the document and the URLs it takes.
type docRoute struct {
	path   string
	re     *regexp.Regexp
	params []string
}

// newDocRoute makes path's route. A path parameter takes the characters of
// a path segment but ":" and "@", which no resource id holds: so
// /v1/organisations/{organisation} does not take
// /v1/organisations/north:undelete, nor .../elements/{element} take
// .../elements/e1@42:getRevision. (kin-openapi's routers let a parameter
// take everything up to the next "/", and try templates with fewer
// parameters first.)
func newDocRoute(path string) docRoute {
	r := docRoute{path: path}
	var re strings.Builder
	re.WriteString("^")
	rest := path
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			re.WriteString(regexp.QuoteMeta(rest))
			break
		}
		end := open + strings.IndexByte(rest[open:], '}')
		re.WriteString(regexp.QuoteMeta(rest[:open]))
		re.WriteString(`([^/:@]+)`)
		r.params = append(r.params, rest[open+1:end])
		rest = rest[end+1:]
	}
	re.WriteString("$")
	r.re = regexp.MustCompile(re.String())
	return r
}

// match returns the paths of the document that take the URL path (as sent,
// escaped) and, for the first, its parameters, unescaped.
func (d *apiDoc) match(escapedPath string) (paths []string, params map[string]string) {
	for _, r := range d.routes {
		m := r.re.FindStringSubmatch(escapedPath)
		if m == nil {
			continue
		}
		paths = append(paths, r.path)
		if params != nil {
			continue
		}
		params = map[string]string{}
		for i, name := range r.params {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				v = m[i+1]
			}
			params[name] = v
		}
	}
	return paths, params
}

var (
	loadDoc   sync.Once
	servedDoc *apiDoc
	docErr    error
)

// openAPIDoc loads the OpenAPI document the gateway serves (package
// openapi embeds it), once, and validates it.
func openAPIDoc(t *testing.T) *apiDoc {
	t.Helper()
	loadDoc.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(openapi.JSON)
		if err != nil {
			docErr = fmt.Errorf("loading the OpenAPI document: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			docErr = fmt.Errorf("the OpenAPI document is not valid: %w", err)
			return
		}
		d := &apiDoc{doc: doc}
		for _, path := range doc.Paths.InMatchingOrder() {
			d.routes = append(d.routes, newDocRoute(path))
		}
		servedDoc = d
	})
	if docErr != nil {
		t.Fatal(docErr)
	}
	return servedDoc
}

// checkAgainstOpenAPI wraps base in a transport that checks each API call
// against the OpenAPI document, reporting what the document does not
// describe to t.
func checkAgainstOpenAPI(t *testing.T, base http.RoundTripper) http.RoundTripper {
	return &openAPIChecker{t: t, base: base, doc: openAPIDoc(t)}
}

type openAPIChecker struct {
	t    *testing.T
	base http.RoundTripper
	doc  *apiDoc
}

// CloseIdleConnections lets httptest.Server.Close close the connections.
func (c *openAPIChecker) CloseIdleConnections() {
	if ci, ok := c.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (c *openAPIChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/v1/") || req.Method == http.MethodOptions {
		return c.base.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	call := req.Method + " " + req.URL.RequestURI()

	paths, params := c.doc.match(req.URL.EscapedPath())
	if len(paths) > 1 {
		c.t.Errorf("openapi: %s: ambiguous, the document's paths %q all take it", call, paths)
		return resp, nil
	}
	var op *openapi3.Operation
	if len(paths) == 1 {
		op = c.doc.doc.Paths.Value(paths[0]).GetOperation(req.Method)
	}
	if op == nil {
		// No such route: the gateway may only say so.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed &&
			resp.StatusCode != http.StatusNotImplemented {
			c.t.Errorf("openapi: %s: the document has no such operation, but the gateway answered %d", call, resp.StatusCode)
		}
		return resp, nil
	}
	route := &routers.Route{Spec: c.doc.doc, Path: paths[0], PathItem: c.doc.doc.Paths.Value(paths[0]), Method: req.Method, Operation: op}
	opts := &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true,
		// AIP-203: a server ignores output-only fields sent to it, so a
		// client may send a resource back as it read it.
		ExcludeReadOnlyValidations: true,
		AuthenticationFunc:         bearerToken,
	}
	opts.WithCustomSchemaErrorFunc(schemaError)
	input := &openapi3filter.RequestValidationInput{Request: validationCopy(req, body), PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(req.Context(), input); err != nil && resp.StatusCode < 400 {
		c.t.Errorf("openapi: %s: the document refuses the request, but the gateway answered %d:\n%v", call, resp.StatusCode, err)
	}

	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	out.Options.WithCustomSchemaErrorFunc(schemaError)
	if media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); media == "text/event-stream" {
		// A stream that stays open: its status and media type only.
		out.Options.ExcludeResponseBody = true
		if r := op.Responses.Status(resp.StatusCode); r != nil && r.Value != nil && r.Value.Content.Get(media) == nil {
			c.t.Errorf("openapi: %s: answered %d as %s, which the document does not say", call, resp.StatusCode, media)
		}
	} else {
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		out.SetBodyBytes(data)
	}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		c.t.Errorf("openapi: %s: the answer (%d) is not as the document says:\n%v", call, resp.StatusCode, err)
	}
	return resp, nil
}

// validationCopy is req with body, as the document's validator reads it: a
// body without a Content-Type is JSON (the gateway reads it so), and the
// media type is in lower case (media types ignore case; the validator does
// not).
func validationCopy(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	ct := r.Header.Get("Content-Type")
	if ct == "" && len(body) > 0 {
		r.Header.Set("Content-Type", "application/json")
	} else if media, params, err := mime.ParseMediaType(ct); err == nil {
		r.Header.Set("Content-Type", mime.FormatMediaType(media, params))
	}
	return r
}

// schemaError says where a value breaks the schema and how, without the
// schema and the value, which would fill the test's log.
func schemaError(err *openapi3.SchemaError) string {
	return "/" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
}

// bearerToken checks the document's bearer scheme: an Authorization header
// with a Bearer token.
func bearerToken(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if s := in.SecurityScheme; s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("unknown security scheme %s", in.SecuritySchemeName)
	}
	scheme, token, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// TestOpenAPIDocument: the gateway serves, at /openapi.json, an OpenAPI 3
// document that is valid; each of its paths is the one template a URL of
// it matches (no two identical or overlapping templates, custom methods
// after a ":"); it has a bearer scheme and a licence; errors are
// google.rpc.Status; the CSV routes and the event stream say their media
// types; resources say their required and output-only fields; and the
// routes the gateway serves itself are there.
func TestOpenAPIDocument(t *testing.T) {
	// No service is needed to serve the document.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	srv := startGateway(t, gateway.Config{OrganisationsAddr: addr, TeamsAddr: addr, PlanningAddr: addr, KpisAddr: addr}, "")
	served := do(t, srv, "GET", "/openapi.json", "").want(t, 200, "")
	if got := served.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if served.raw != string(openapi.JSON) {
		t.Fatal("the served document is not the one package openapi holds")
	}
	d := openAPIDoc(t)
	doc := d.doc
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}

	operations := 0
	templates := map[string]string{}
	for _, path := range doc.Paths.InMatchingOrder() {
		operations += len(doc.Paths.Value(path).Operations())
		if !strings.HasPrefix(path, "/v1/") || strings.Contains(path, "*") {
			t.Errorf("path %s", path)
		}
		// The same template under other parameter names is the same path.
		shape := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "{}")
		if other, ok := templates[shape]; ok {
			t.Errorf("paths %s and %s are one template", other, path)
		}
		templates[shape] = path
		// A URL of the path, its parameters filled in, is taken by it alone.
		sample := regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "x1")
		if paths, _ := d.match(sample); len(paths) != 1 || paths[0] != path {
			t.Errorf("%s (as %s) is taken by %q", path, sample, paths)
		}
	}
	t.Logf("%d paths, %d operations", doc.Paths.Len(), operations)

	if s := doc.Components.SecuritySchemes["bearer"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Errorf("no HTTP bearer security scheme: %+v", doc.Components.SecuritySchemes)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("calls do not need a bearer token by default: %v", doc.Security)
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" {
		t.Error("no licence")
	}

	op := func(method, path string) *openapi3.Operation {
		t.Helper()
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Fatalf("no %s %s", method, path)
		}
		return item.GetOperation(method)
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, o := range doc.Paths.Value(path).Operations() {
			for _, status := range []string{"4XX", "5XX"} {
				r := o.Responses.Value(status)
				if r == nil || r.Value.Content.Get("application/json") == nil ||
					r.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/rpc.Status" {
					t.Errorf("%s %s: %s is not a google.rpc.Status", method, path, status)
				}
			}
		}
	}
	media := func(content openapi3.Content) []string { return slices.Sorted(maps.Keys(content)) }
	for _, tc := range []struct {
		method, path string
		request      []string
		answer       []string
	}{
		{"GET", "/v1/organisations/{organisation}/kpis/{kpi}/measurements:export", nil, []string{"text/csv"}},
		{"POST", "/v1/organisations/{organisation}/kpis/{kpi}/measurements:import", []string{"application/json", "text/csv"}, []string{"application/json"}},
		{"GET", "/v1/organisations/{organisation}/changes:export", nil, []string{"text/csv"}},
		{"GET", "/v1/organisations/{organisation}/events", nil, []string{"text/event-stream"}},
		{"GET", "/v1/organisations/{organisation}:report", nil, []string{"application/pdf", "text/html"}},
	} {
		o := op(tc.method, tc.path)
		if tc.request != nil {
			if got := media(o.RequestBody.Value.Content); !slices.Equal(got, tc.request) {
				t.Errorf("%s %s takes %v, want %v", tc.method, tc.path, got, tc.request)
			}
			if s := o.RequestBody.Value.Content.Get("text/csv").Schema.Value; !s.Type.Is("string") {
				t.Errorf("%s %s takes CSV as %v, want the text", tc.method, tc.path, s.Type)
			}
		}
		if got := media(o.Responses.Value("200").Value.Content); !slices.Equal(got, tc.answer) {
			t.Errorf("%s %s answers %v, want %v", tc.method, tc.path, got, tc.answer)
		}
	}
	// Custom methods (AIP-136) and the revisions of each kind of resource.
	op("POST", "/v1/organisations/{organisation}/people/{person}:undelete")
	op("GET", "/v1/organisations/{organisation}/elements/{element}:listRevisions")
	op("GET", "/v1/organisations/{organisation}/publication@{revision}:getRevision")
	// What needs no token says so.
	if s := op("GET", "/v1/organisations/{organisation}/publication:plan").Security; s == nil || len(*s) != 0 {
		t.Errorf("GetPublishedPlan needs a token: %v", s)
	}

	schema := func(name string) *openapi3.Schema {
		t.Helper()
		s := doc.Components.Schemas[name]
		if s == nil {
			t.Fatalf("no schema %s", name)
		}
		return s.Value
	}
	for name, want := range map[string]struct{ required, readOnly []string }{
		"Organisation": {[]string{"display_name", "kind"}, []string{"create_time", "update_time", "delete_time", "update_actor"}},
		"Element":      {[]string{"level", "title", "owner_team", "start_date", "end_date"}, []string{"health", "kpi_health", "latest_check_in"}},
		"Kpi":          {[]string{"title", "unit", "direction", "thresholds", "frequency", "element", "owner_team"}, []string{"status", "target_history"}},
		"Measurement":  {[]string{"period_end", "value"}, []string{"history", "status"}},
		"Member":       {[]string{"person", "role"}, []string{"create_time"}},
	} {
		s := schema(name)
		if got := slices.Sorted(slices.Values(s.Required)); !slices.Equal(got, slices.Sorted(slices.Values(want.required))) {
			t.Errorf("%s requires %v, want %v", name, got, want.required)
		}
		for _, f := range want.readOnly {
			if p := s.Properties[f]; p == nil || !p.Value.ReadOnly {
				t.Errorf("%s.%s is not read-only", name, f)
			}
		}
	}
	// An update sends only what it changes.
	patch := op("PATCH", "/v1/organisations/{organisation}").RequestBody.Value.Content.Get("application/json").Schema.Value
	if len(patch.Required) != 0 || patch.Properties["display_name"] == nil {
		t.Errorf("UpdateOrganisation's body: required %v, properties %v", patch.Required, slices.Sorted(maps.Keys(patch.Properties)))
	}
}

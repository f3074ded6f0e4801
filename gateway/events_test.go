package gateway_test

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventStream is an open GET .../events: its lines arrive on a channel.
type eventStream struct {
	lines  chan string
	cancel context.CancelFunc
}

// openEvents opens an organisation's event stream as the caller with
// token, failing unless it answers 200.
func openEvents(t *testing.T, srv *api, org, token string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/organisations/"+org+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{lines: make(chan string, 1000), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// read collects lines until done says stop (true) or the stream ends
// (false), failing the test when neither happens in time.
func (s *eventStream) read(t *testing.T, done func(line string) bool) (seen []string, ended bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return seen, true
			}
			seen = append(seen, l)
			if done(l) {
				return seen, false
			}
		case <-timeout:
			t.Fatalf("nothing more in time; read %q", seen)
		}
	}
}

// waitFor reads lines until each of wants has been in one, in any order
// (events of different streams — services — may arrive in any order), and
// returns the lines read.
func (s *eventStream) waitFor(t *testing.T, wants ...string) []string {
	t.Helper()
	missing := slices.Clone(wants)
	seen, ended := s.read(t, func(l string) bool {
		missing = slices.DeleteFunc(missing, func(w string) bool { return strings.Contains(l, w) })
		return len(missing) == 0
	})
	if ended {
		t.Fatalf("the stream ended before %q; read %q", missing, seen)
	}
	return seen
}

// ended waits for the stream to end and returns its last lines.
func (s *eventStream) ended(t *testing.T) []string {
	t.Helper()
	seen, _ := s.read(t, func(string) bool { return false })
	return seen
}

func TestLiveEvents(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	cfg.NATS = b.nats
	cfg.EventsHeartbeat = 200 * time.Millisecond
	cfg.EventsRecheck = 300 * time.Millisecond
	srv := startGateway(t, cfg, b.admin)
	for _, org := range []string{"live", "other"} {
		do(t, srv, "POST", "/v1/organisations?organisation_id="+org, `{"display_name":"`+org+`","kind":"KIND_COUNCIL"}`).want(t, 200, "")
	}
	do(t, srv, "POST", "/v1/organisations/live/people?person_id=vic",
		`{"display_name":"Vic","email":"vic@live.example","role":"ROLE_VIEWER","external_subject":"vic"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/other/people?person_id=oz",
		`{"display_name":"Oz","email":"oz@other.example","role":"ROLE_ADMIN","external_subject":"oz"}`).want(t, 200, "")
	viewer := b.auth.Token(t, "vic")

	// Who may not watch is told so as for any other call.
	events := "/v1/organisations/live/events"
	do(t, srv, "GET", events, "", "Authorization", "").want(t, 401, "")
	do(t, srv, "GET", events, "", "Authorization", "Bearer "+b.auth.Token(t, "oz")).want(t, 404, "organisations/live")
	do(t, srv, "GET", "/v1/organisations/Bad_Id/events", "").want(t, 400, "name")
	do(t, srv, "GET", "/v1/organisations/ghost/events", "").want(t, 404, "")

	asViewer := openEvents(t, srv, "live", viewer)
	asAdmin := openEvents(t, srv, "live", b.admin)
	asViewer.waitFor(t, ": connected")
	asAdmin.waitFor(t, ": connected")

	// Changes in the organisation arrive; those of another do not; API
	// tokens are shown to admins only.
	do(t, srv, "POST", "/v1/organisations/other/teams?team_id=elsewhere", `{"display_name":"Elsewhere","kind":"KIND_PROJECT"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/live/apiTokens", `{"display_name":"robot","role":"ROLE_VIEWER"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/live/teams?team_id=ops", `{"display_name":"Operations","kind":"KIND_OPERATIONAL"}`).want(t, 200, "")
	seen := strings.Join(asViewer.waitFor(t, `"subject":"organisations/live/teams/ops"`), "\n")
	for _, want := range []string{"event: change", `"resource":"team"`, `"change":"created"`, `"type":"goldenthread.teams.v1.TeamCreated"`, ": heartbeat"} {
		if !strings.Contains(seen+strings.Join(asViewer.waitFor(t, ": heartbeat"), "\n"), want) {
			t.Errorf("viewer's stream has no %q:\n%s", want, seen)
		}
	}
	if strings.Contains(seen, "elsewhere") || strings.Contains(seen, "api_token") {
		t.Errorf("viewer's stream shows what it may not:\n%s", seen)
	}
	adminSeen := strings.Join(asAdmin.waitFor(t, `"subject":"organisations/live/teams/ops"`, `"resource":"api_token"`), "\n")
	if strings.Contains(adminSeen, "elsewhere") {
		t.Errorf("admin's stream:\n%s", adminSeen)
	}

	// A caller who loses their role stops receiving at the next check.
	do(t, srv, "DELETE", "/v1/organisations/live/people/vic", "").want(t, 200, "")
	if rest := strings.Join(asViewer.ended(t), "\n"); !strings.Contains(rest, "event: revoked") {
		t.Errorf("a revoked viewer's stream ended without saying so:\n%s", rest)
	}
}

func TestLiveEventsCloseAndNoNATS(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	// Without NATS the stream is unavailable, after the same checks.
	off := startGateway(t, cfg, b.admin)
	do(t, off, "POST", "/v1/organisations?organisation_id=quiet", `{"display_name":"Quiet","kind":"KIND_AGENCY"}`).want(t, 200, "")
	do(t, off, "GET", "/v1/organisations/quiet/events", "").want(t, 503, "live events")

	// Closing the gateway ends its streams, so shutdown is not held up.
	cfg.NATS = b.nats
	cfg.Logger = nil
	gw := startGateway(t, cfg, b.admin)
	s := openEvents(t, gw, "quiet", b.admin)
	s.waitFor(t, ": connected")
	gw.close()
	if rest := strings.Join(s.ended(t), "\n"); !strings.Contains(rest, "event: closing") {
		t.Errorf("closing the gateway: %s", rest)
	}
}

func TestWebClientFiles(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	cfg.Web.OIDCIssuer = "https://login.example/realms/gt"
	cfg.Web.OIDCClientID = "goldenthread-web"
	srv := startGateway(t, cfg, "")
	page := do(t, srv, "GET", "/", "").want(t, 200, `<script type="module" src="/js/app.js">`)
	csp := page.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "default-src 'none'", "connect-src 'self' https://login.example", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(page.raw, "<script>") || strings.Contains(page.raw, " style=") {
		t.Error("the page has inline script or style, which the policy forbids")
	}
	if js := do(t, srv, "GET", "/js/app.js", "").want(t, 200, "import"); !strings.Contains(js.header.Get("Content-Type"), "javascript") {
		t.Errorf("app.js Content-Type %q", js.header.Get("Content-Type"))
	}
	do(t, srv, "GET", "/config.json", "").want(t, 200, `"oidc_client_id":"goldenthread-web"`)
	do(t, srv, "GET", "/no-such-file.js", "").want(t, 404, "")
	do(t, srv, "POST", "/", "{}").want(t, 405, "")
	// The API is untouched by the client's files.
	do(t, srv, "GET", "/v1/organisations", "").want(t, 401, "")
}

// TestLiveEventsPerCaller: one caller may hold only so many streams open,
// counted by who it is, not by token (a fresh JWT buys no more); past the
// limit it is told so with a 429, and others are not affected. A stream it
// closes gives its place back.
func TestLiveEventsPerCaller(t *testing.T) {
	b := startServices(t)
	cfg := b.config()
	cfg.NATS = b.nats
	cfg.EventsPerCaller = 2
	srv := startGateway(t, cfg, b.admin)
	do(t, srv, "POST", "/v1/organisations?organisation_id=busy", `{"display_name":"Busy","kind":"KIND_COUNCIL"}`).want(t, 200, "")
	do(t, srv, "POST", "/v1/organisations/busy/people?person_id=vic",
		`{"display_name":"Vic","email":"vic@busy.example","role":"ROLE_VIEWER","external_subject":"vic"}`).want(t, 200, "")
	// Two tokens of one person: different strings, one caller.
	vic := b.auth.TokenUntil(t, "vic", time.Now().Add(time.Hour))
	vicAgain := b.auth.TokenUntil(t, "vic", time.Now().Add(2*time.Hour))
	if vic == vicAgain {
		t.Fatal("the two tokens are the same")
	}

	first := openEvents(t, srv, "busy", vic)
	first.waitFor(t, ": connected")
	openEvents(t, srv, "busy", vicAgain).waitFor(t, ": connected")
	for _, token := range []string{vic, vicAgain} {
		r := do(t, srv, "GET", "/v1/organisations/busy/events", "", "Authorization", "Bearer "+token).want(t, 429, "at most 2")
		if !strings.Contains(r.raw, `"reason":"TOO_MANY_STREAMS"`) {
			t.Errorf("429 without its reason: %s", r.raw)
		}
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("429 Content-Type %q", r.header.Get("Content-Type"))
		}
	}
	// Someone else still gets theirs; nobody can use up another's places.
	openEvents(t, srv, "busy", b.admin).waitFor(t, ": connected")
	do(t, srv, "GET", "/v1/organisations/busy/events", "", "Authorization", "").want(t, 401, "")

	// Closing one stream frees its place (once the gateway notices).
	first.cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/organisations/busy/events", nil)
		req.Header.Set("Authorization", "Bearer "+vic)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		code := resp.StatusCode
		cancel()
		resp.Body.Close()
		if code == 200 {
			break
		}
		if code != 429 || time.Now().After(deadline) {
			t.Fatalf("after closing a stream: %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

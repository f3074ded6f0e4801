package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// TestWebClientSingleSignOn signs in through a real OpenID Connect
// provider: zitadel's OpenID provider library with its example storage and
// sign-in page, run here on loopback. The web client sends the browser to
// its authorization endpoint with a PKCE challenge, the person signs in on
// the provider's own page, and the client exchanges the code for tokens
// and calls the API with the ID token, which the services verify against
// the provider's keys.
func TestWebClientSingleSignOn(t *testing.T) {
	chromiumPath(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + lis.Addr().String()
	// The provider's example user id1 ("test-user@127.0.0.1") is made a
	// platform admin.
	p, _ := launch(t, t.TempDir(), "-oidc-issuer", issuer, "-oidc-client-id", "goldenthread",
		"-oidc-audience", "goldenthread", "-platform-admins", "id1")
	base := "http://" + p.httpAddr
	storage.RegisterClients(storage.NativeClient("goldenthread", base+"/"))
	provider := exampleop.SetupServer(issuer, storage.NewStorage(storage.NewUserStore(issuer)),
		slog.New(slog.DiscardHandler), false)
	// The requests the provider gets from the browser are kept, to check
	// what the client sent.
	var mu sync.Mutex
	var seen []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := r.Method + " " + r.URL.String()
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			line += " " + string(body)
		}
		mu.Lock()
		seen = append(seen, line)
		mu.Unlock()
		provider.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })

	b := newBrowser(t, base)
	b.open("/signin", "#oidc-signin")
	b.accessibility("sign-in with single sign-on")
	b.screenshot("sso-1-sign-in")
	b.do(chromedp.Click("#oidc-signin"))
	b.waitFor("the provider's sign-in page", `location.href.startsWith('`+issuer+`') && document.querySelector('#username') !== null`)
	b.do(chromedp.SendKeys("#username", "test-user@127.0.0.1"), chromedp.SendKeys("#password", "verysecure"))
	b.screenshot("sso-2-provider")
	b.do(chromedp.Submit("#username"))
	b.waitFor("signed in", `location.href.startsWith('`+base+`') && document.body.dataset.page === 'home' && document.getElementById('who').innerText.includes('user:id1')`)
	mu.Lock()
	requests := strings.Join(seen, "\n")
	mu.Unlock()
	for _, want := range []string{"GET /.well-known/openid-configuration", "code_challenge_method=S256", "grant_type=authorization_code", "code_verifier="} {
		if !strings.Contains(requests, want) {
			t.Errorf("the provider saw no %q:\n%s", want, requests)
		}
	}
	if u := eval[string](b, `location.href`); strings.Contains(u, "code=") {
		t.Errorf("the code stays in the address: %s", u)
	}
	if tok := eval[string](b, `sessionStorage.getItem('goldenthread.token') || ''`); strings.Count(tok, ".") != 2 {
		t.Errorf("the client holds no JWT after single sign-on: %q", tok)
	}
	b.screenshot("sso-3-signed-in")
}

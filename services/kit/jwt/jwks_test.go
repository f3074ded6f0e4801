package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeIDP is an OpenID Connect issuer on loopback whose published keys the
// test can change, counting the requests it receives.
type fakeIDP struct {
	srv            *httptest.Server
	discoveryHits  atomic.Int64
	jwksHits       atomic.Int64
	mu             sync.Mutex
	keys           []byte // the JWK Set served
	fail           bool   // serve 500s
	discoveryIssue string // issuer in the discovery document; srv.URL if ""
}

func newFakeIDP(t *testing.T) *fakeIDP {
	t.Helper()
	idp := &fakeIDP{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		idp.discoveryHits.Add(1)
		idp.mu.Lock()
		fail, iss := idp.fail, idp.discoveryIssue
		idp.mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		if iss == "" {
			iss = idp.srv.URL
		}
		json.NewEncoder(w).Encode(map[string]string{
			"issuer":   iss,
			"jwks_uri": idp.srv.URL + "/oauth/keys",
		})
	})
	mux.HandleFunc("GET /oauth/keys", func(w http.ResponseWriter, r *http.Request) {
		idp.jwksHits.Add(1)
		idp.mu.Lock()
		fail, keys := idp.fail, idp.keys
		idp.mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(keys)
	})
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

// publish sets the served JWK Set to the given kid → public key pairs.
func (idp *fakeIDP) publish(t *testing.T, keys map[string]crypto.PublicKey) {
	t.Helper()
	var set struct {
		Keys []jwk `json:"keys"`
	}
	for kid, pub := range keys {
		k := testJWK(t, pub)
		k.Kid, k.Use = kid, "sig"
		set.Keys = append(set.Keys, k)
	}
	idp.setRaw(mustJSON(t, set))
}

func (idp *fakeIDP) setRaw(b []byte) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.keys = b
}

func (idp *fakeIDP) setFail(fail bool) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.fail = fail
}

// newTestJWKS returns a JWKS for idp with a fake clock.
func newTestJWKS(t *testing.T, idp *fakeIDP, clock *fakeClock, opts ...JWKSOption) *JWKS {
	t.Helper()
	j, err := NewJWKS(idp.srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	j.now = clock.Now
	return j
}

// idpClaims are good claims for a token from idp.
func idpClaims(idp *fakeIDP) map[string]any {
	c := goodClaims()
	c["iss"] = idp.srv.URL
	return c
}

func TestJWKSRotation(t *testing.T) {
	testKeys(t)
	idp := newFakeIDP(t)
	clock := newFakeClock(testNow)
	idp.publish(t, map[string]crypto.PublicKey{"key-a": &rsaA.PublicKey})
	keys := newTestJWKS(t, idp, clock)
	v, err := NewVerifier(idp.srv.URL, testAudience, keys, WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	tokA := sign(t, "RS256", "key-a", rsaA, idpClaims(idp))
	if _, err := v.Verify(ctx, tokA); err != nil {
		t.Fatalf("token from key A: %v", err)
	}
	if d, j := idp.discoveryHits.Load(), idp.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("after first verify: %d discovery, %d JWKS fetches; want 1, 1", d, j)
	}
	// Cached: verifying again makes no request.
	if _, err := v.Verify(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	if j := idp.jwksHits.Load(); j != 1 {
		t.Fatalf("cached verify fetched again: %d fetches", j)
	}

	// The issuer rotates to key B (an EC key, to cover both kinds) and drops A.
	idp.publish(t, map[string]crypto.PublicKey{"key-b": &ecB.PublicKey})
	tokB := sign(t, "ES256", "key-b", ecB, idpClaims(idp))

	// Within the minimum refresh interval the new kid is not fetched yet.
	_, err = v.Verify(ctx, tokB)
	checkSentinel(t, err, ErrUnknownKey)
	if j := idp.jwksHits.Load(); j != 1 {
		t.Fatalf("refresh within min interval: %d fetches", j)
	}

	clock.Advance(DefaultMinRefreshInterval + time.Second)
	c, err := v.Verify(ctx, tokB)
	if err != nil {
		t.Fatalf("token from rotated key B: %v", err)
	}
	if c.Subject != "user-42" {
		t.Errorf("Subject = %q", c.Subject)
	}
	if d, j := idp.discoveryHits.Load(), idp.jwksHits.Load(); d != 1 || j != 2 {
		t.Fatalf("after rotation: %d discovery, %d JWKS fetches; want 1 (jwks_uri cached), 2", d, j)
	}
	// A was withdrawn by the issuer and is no longer trusted.
	_, err = v.Verify(ctx, tokA)
	checkSentinel(t, err, ErrUnknownKey)
}

func TestJWKSUnknownKidsAreRateLimited(t *testing.T) {
	testKeys(t)
	idp := newFakeIDP(t)
	clock := newFakeClock(testNow)
	idp.publish(t, map[string]crypto.PublicKey{"key-a": &ecA.PublicKey})
	keys := newTestJWKS(t, idp, clock, WithMinRefreshInterval(30*time.Second))
	ctx := context.Background()

	if _, err := keys.Key(ctx, "key-a"); err != nil {
		t.Fatal(err)
	}
	if j := idp.jwksHits.Load(); j != 1 {
		t.Fatalf("%d fetches after first key, want 1", j)
	}

	garbage := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := keys.Key(ctx, fmt.Sprintf("garbage-%d", i))
				if !errors.Is(err, ErrUnknownKey) {
					t.Errorf("garbage kid: %v, want ErrUnknownKey", err)
				}
			})
		}
		wg.Wait()
	}

	// Still inside the interval after the first fetch: no fetch at all.
	garbage(100)
	if j := idp.jwksHits.Load(); j != 1 {
		t.Fatalf("%d fetches after garbage kids within interval, want 1", j)
	}
	// Each new interval allows exactly one fetch, however many garbage kids
	// arrive concurrently.
	for want := int64(2); want <= 4; want++ {
		clock.Advance(31 * time.Second)
		garbage(100)
		if j := idp.jwksHits.Load(); j != want {
			t.Fatalf("%d fetches, want %d", j, want)
		}
	}
	clock.Advance(10 * time.Second) // not a full interval since the last fetch
	garbage(10)
	if j := idp.jwksHits.Load(); j != 4 {
		t.Fatalf("%d fetches, want 4", j)
	}
	if d := idp.discoveryHits.Load(); d != 1 {
		t.Errorf("%d discovery fetches, want 1", d)
	}
	// The known key is still served throughout.
	if _, err := keys.Key(ctx, "key-a"); err != nil {
		t.Fatal(err)
	}
}

func TestJWKSRefreshesOnAgeAndSurvivesOutage(t *testing.T) {
	testKeys(t)
	idp := newFakeIDP(t)
	clock := newFakeClock(testNow)
	idp.publish(t, map[string]crypto.PublicKey{"key-a": &rsaA.PublicKey})
	keys := newTestJWKS(t, idp, clock, WithRefreshInterval(5*time.Minute))
	ctx := context.Background()

	if _, err := keys.Key(ctx, "key-a"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(4 * time.Minute)
	if _, err := keys.Key(ctx, "key-a"); err != nil {
		t.Fatal(err)
	}
	if j := idp.jwksHits.Load(); j != 1 {
		t.Fatalf("%d fetches before the set is stale, want 1", j)
	}

	// Stale and the issuer is down: the cached key is still served.
	idp.setFail(true)
	clock.Advance(2 * time.Minute)
	pub, err := keys.Key(ctx, "key-a")
	if err != nil {
		t.Fatalf("cached key during outage: %v", err)
	}
	if !rsaA.PublicKey.Equal(pub) {
		t.Fatal("wrong key served")
	}
	failedHits := idp.discoveryHits.Load() + idp.jwksHits.Load()
	if failedHits != 3 { // 1 discovery + 1 JWKS earlier, then the failed JWKS fetch
		t.Fatalf("%d requests, want 3", failedHits)
	}
	// The failed attempt counts against the rate limit: no immediate retry.
	if _, err := keys.Key(ctx, "key-a"); err != nil {
		t.Fatal(err)
	}
	if n := idp.discoveryHits.Load() + idp.jwksHits.Load(); n != failedHits {
		t.Fatalf("retried within min interval: %d requests", n)
	}

	// The issuer recovers having withdrawn key A; the next age refresh
	// (which rediscovers, since the last fetch failed) drops it.
	idp.setFail(false)
	idp.publish(t, map[string]crypto.PublicKey{"key-b": &rsaB.PublicKey})
	clock.Advance(DefaultMinRefreshInterval)
	_, err = keys.Key(ctx, "key-a")
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("withdrawn key: %v, want ErrUnknownKey", err)
	}
	if _, err := keys.Key(ctx, "key-b"); err != nil {
		t.Fatal(err)
	}
	if d := idp.discoveryHits.Load(); d != 2 {
		t.Errorf("%d discovery fetches, want 2", d)
	}
}

func TestJWKSIssuerUnavailable(t *testing.T) {
	testKeys(t)
	idp := newFakeIDP(t)
	idp.setFail(true)
	clock := newFakeClock(testNow)
	keys := newTestJWKS(t, idp, clock)
	v, err := NewVerifier(idp.srv.URL, testAudience, keys, WithClock(testClock))
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, "ES256", "key-a", ecA, idpClaims(idp))
	_, err = v.Verify(context.Background(), tok)
	checkSentinel(t, err, ErrKeysUnavailable)
	if strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "500") {
		t.Errorf("message %q exposes issuer details", err)
	}
	// Rate-limited retry still reports unavailability, not an unknown key.
	_, err = v.Verify(context.Background(), tok)
	checkSentinel(t, err, ErrKeysUnavailable)
	if n := idp.discoveryHits.Load(); n != 1 {
		t.Errorf("%d discovery requests, want 1", n)
	}

	// A cancelled context is reported as unavailability too.
	clock.Advance(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = v.Verify(ctx, tok)
	checkSentinel(t, err, ErrKeysUnavailable)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cause %v is not context.Canceled", err)
	}
}

func TestJWKSDiscoveryMustNameTheIssuer(t *testing.T) {
	testKeys(t)
	idp := newFakeIDP(t)
	idp.publish(t, map[string]crypto.PublicKey{"key-a": &ecA.PublicKey})
	idp.discoveryIssue = "https://impostor.example.test"
	keys := newTestJWKS(t, idp, newFakeClock(testNow))
	_, err := keys.Key(context.Background(), "key-a")
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("Key = %v, want ErrKeysUnavailable", err)
	}
	if j := idp.jwksHits.Load(); j != 0 {
		t.Errorf("fetched keys from an issuer that did not vouch for them")
	}
	if err := keys.Refresh(context.Background()); err == nil {
		t.Errorf("Refresh succeeded")
	}
}

func TestNewJWKSRequiresSecureIssuer(t *testing.T) {
	for _, u := range []string{
		"https://id.example.test", "https://id.example.test/realms/gt/",
		"http://localhost:8080", "http://127.0.0.1:1234/x", "http://[::1]:80",
	} {
		if _, err := NewJWKS(u); err != nil {
			t.Errorf("NewJWKS(%q): %v", u, err)
		}
	}
	for _, u := range []string{
		"http://id.example.test", "http://10.0.0.1", "ftp://id.example.test", "id.example.test",
		"", "https://", "https://id.example.test?x=1", "https://user:pw@id.example.test",
	} {
		if _, err := NewJWKS(u); err == nil {
			t.Errorf("NewJWKS(%q) succeeded", u)
		}
	}
	// The discovery document of an issuer with a path, ending in "/" or
	// not, is under that path.
	asked := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- r.URL.Path
		http.NotFound(w, r)
	}))
	defer srv.Close()
	j, err := NewJWKS(srv.URL + "/realms/gt/")
	if err != nil {
		t.Fatal(err)
	}
	if j.Refresh(context.Background()) == nil {
		t.Error("refresh succeeded without a discovery document")
	}
	if got, want := <-asked, "/realms/gt/.well-known/openid-configuration"; got != want {
		t.Errorf("discovery at %q, want %q", got, want)
	}
}

// must is v, for a test sure of err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseJWKSet(t *testing.T) {
	testKeys(t)
	rsaJWK, ecJWK, ecBJWK := testJWK(t, &rsaA.PublicKey), testJWK(t, &ecA.PublicKey), testJWK(t, &ecB.PublicKey)
	k := func(base jwk, mod func(*jwk)) jwk { mod(&base); return base }
	set := map[string]any{"keys": []any{
		k(rsaJWK, func(k *jwk) { k.Kid = "rsa"; k.Use = "sig"; k.Alg = "RS256" }),
		k(ecJWK, func(k *jwk) { k.Kid = "ec" }),
		k(ecBJWK, func(k *jwk) { k.Kid = "ec" }),                           // duplicate kid: first wins
		k(rsaJWK, func(k *jwk) { k.Kid = "enc"; k.Use = "enc" }),           // encryption key
		k(rsaJWK, func(k *jwk) { k.Kid = "ps"; k.Alg = "PS256" }),          // other alg
		k(ecJWK, func(k *jwk) { k.Kid = "p384"; k.Crv = "P-384" }),         // other curve
		k(ecJWK, func(k *jwk) { k.Kid = "okp"; k.Kty = "OKP" }),            // unknown kty
		k(ecJWK, func(k *jwk) { k.Kid = "short"; k.X = k.X[:20] }),         // truncated coordinate
		k(ecJWK, func(k *jwk) { k.Kid = "offcurve"; k.X, k.Y = k.Y, k.X }), // not on the curve
		k(rsaJWK, func(k *jwk) { k.Kid = "small"; k.N = k.N[:100] }),       // 600-bit modulus
		k(rsaJWK, func(k *jwk) { k.Kid = "even-e"; k.E = "AQAA" }),         // e = 65536
		k(rsaJWK, func(k *jwk) { k.Kid = "bad-b64"; k.N = "!!" + k.N }),
		k(rsaJWK, func(k *jwk) { k.Kid = "" }), // no kid: cannot be selected
		"not an object",
	}}
	keys, err := parseJWKSet(mustJSON(t, set))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Errorf("parsed kids %v, want only rsa and ec", keysOf(keys))
	}
	if pub, ok := keys["rsa"].(*rsa.PublicKey); !ok || !pub.Equal(&rsaA.PublicKey) {
		t.Errorf("rsa key = %v", keys["rsa"])
	}
	if pub, ok := keys["ec"].(*ecdsa.PublicKey); !ok || !pub.Equal(&ecA.PublicKey) {
		t.Errorf("ec key = %v", keys["ec"])
	}

	for _, bad := range []string{`{"keys":[]}`, `{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"}]}`, `not json`, `{"keys":"x"}`} {
		if _, err := parseJWKSet([]byte(bad)); err == nil {
			t.Errorf("parseJWKSet(%s) succeeded", bad)
		}
	}
}

func keysOf(m map[string]crypto.PublicKey) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestThumbprintRFC7638(t *testing.T) {
	// The example key of RFC 7638 §3.1.
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(mustJSON(t, jwk{
		Kty: "RSA",
		E:   "AQAB",
		N:   "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
	})); err != nil {
		t.Fatal(err)
	}
	if got, want := must(kidOf(k.Key)), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %q, want %q", got, want)
	}
}

func TestJWKSServesBuiltInIssuer(t *testing.T) {
	// The built-in issuer's JWK Set, served like a real identity provider's,
	// is understood by the JWKS key source.
	var iss *Issuer
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss.Name(), "jwks_uri": srv.URL + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write(iss.JWKS())
	})
	var err error
	iss, err = LoadOrCreateIssuer(t.TempDir(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := NewJWKS(srv.URL, WithHTTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(srv.URL, testAudience, keys)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Sign(Claims{Subject: "svc", Audience: []string{testAudience}, ExpiresAt: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

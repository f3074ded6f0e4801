package jwt

import (
	"cmp"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Defaults for JWKS, chosen so that a rotated key is picked up within
// seconds of its first use while a flood of tokens with made-up kids costs
// the issuer at most one request per DefaultMinRefreshInterval.
const (
	DefaultMinRefreshInterval = 10 * time.Second
	DefaultRefreshInterval    = 15 * time.Minute
	DefaultHTTPTimeout        = 10 * time.Second
)

// maxDocumentSize bounds the discovery document and JWK Set we will read, so
// a misbehaving issuer cannot exhaust our memory.
const maxDocumentSize = 1 << 20

// JWKS is a KeySource backed by an OpenID Connect issuer's published JWK Set,
// so that services trust whatever keys the identity provider currently signs
// with, through rotations, without configuration changes.
//
// Keys are fetched on first use and cached. The cache is refreshed lazily on
// the request path (there is no background goroutine to start or stop):
// when a kid is not cached, and when the cached set is older than the refresh
// interval. No refresh is attempted within the minimum refresh interval of
// the previous attempt, whether it succeeded or not, so unknown kids cannot
// make the service hammer the issuer, nor can an issuer outage. A failed
// refresh keeps the keys already cached.
//
// A JWKS is safe for concurrent use; concurrent callers that need a refresh
// share a single fetch.
type JWKS struct {
	issuer       string
	client       *http.Client
	timeout      time.Duration
	minRefresh   time.Duration
	refreshEvery time.Duration
	now          func() time.Time

	// fetching admits one refresh at a time; waiting on it respects ctx.
	fetching chan struct{}

	mu          sync.Mutex
	keys        map[string]crypto.PublicKey // nil until the first success
	fetchedAt   time.Time                   // last successful refresh
	attemptedAt time.Time                   // last refresh attempt
	lastErr     error                       // cause of the last failed attempt
	jwksURI     string                      // from discovery; "" to rediscover
}

// A JWKSOption adjusts a JWKS at construction, so that the defaults suit
// most identity providers without any.
type JWKSOption func(*JWKS)

// WithHTTPClient sets the client used to reach the issuer, for proxies,
// private CAs or tests. The per-request timeout still applies.
func WithHTTPClient(c *http.Client) JWKSOption {
	return func(j *JWKS) {
		if c != nil {
			j.client = c
		}
	}
}

// WithHTTPTimeout bounds each request to the issuer, so a hung issuer delays
// a request by at most this long. Non-positive values keep the default.
func WithHTTPTimeout(d time.Duration) JWKSOption {
	return func(j *JWKS) {
		if d > 0 {
			j.timeout = d
		}
	}
}

// WithMinRefreshInterval sets how soon after one refresh attempt another may
// be made, trading how quickly a rotated key is seen against how many
// requests unknown kids may cause. Non-positive values keep the default.
func WithMinRefreshInterval(d time.Duration) JWKSOption {
	return func(j *JWKS) {
		if d > 0 {
			j.minRefresh = d
		}
	}
}

// WithRefreshInterval sets the age at which the cached set is refreshed even
// though every kid seen is known, so that keys the issuer has withdrawn stop
// being trusted. Non-positive values keep the default.
func WithRefreshInterval(d time.Duration) JWKSOption {
	return func(j *JWKS) {
		if d > 0 {
			j.refreshEvery = d
		}
	}
}

// NewJWKS returns a key source for the OpenID Connect issuer at issuer, whose
// jwks_uri is discovered from <issuer>/.well-known/openid-configuration. It
// makes no request until keys are first needed, so a service can start
// before its identity provider.
//
// issuer must be an https URL; plain http is allowed only for loopback hosts
// (local development and tests), because keys fetched over an unauthenticated
// channel would let anyone on the path mint tokens.
func NewJWKS(issuer string, opts ...JWKSOption) (*JWKS, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("jwt: issuer must be an absolute URL without query or fragment")
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	j := &JWKS{
		issuer:       issuer,
		client:       &http.Client{Timeout: DefaultHTTPTimeout},
		timeout:      DefaultHTTPTimeout,
		minRefresh:   DefaultMinRefreshInterval,
		refreshEvery: DefaultRefreshInterval,
		now:          time.Now,
		fetching:     make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(j)
	}
	bounded := *j.client
	bounded.Transport = boundedBodies{next: cmp.Or[http.RoundTripper](bounded.Transport, http.DefaultTransport)}
	j.client = &bounded
	return j, nil
}

// boundedBodies cuts every response from the issuer after maxDocumentSize
// bytes (and one more, to tell a document at the limit from a longer one),
// so that a misbehaving issuer cannot exhaust our memory: go-oidc reads the
// discovery document whole.
type boundedBodies struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (b boundedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err == nil {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, maxDocumentSize+1), resp.Body}
	}
	return resp, err
}

// checkScheme allows https anywhere and http only on loopback.
func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return errors.New("jwt: issuer URL must use https (http only on loopback)")
}

// Key returns the issuer's key named kid, fetching or refreshing the key set
// as described on JWKS. It returns an error wrapping ErrUnknownKey when the
// issuer does not publish kid, and one wrapping ErrKeysUnavailable when the
// keys could not be fetched at all.
func (j *JWKS) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	j.mu.Lock()
	key, known := j.keys[kid]
	stale := j.keys == nil || j.now().Sub(j.fetchedAt) >= j.refreshEvery
	j.mu.Unlock()
	if known && !stale {
		return key, nil
	}

	// Unknown kid or stale set: refresh if the rate limit allows.
	refreshErr := j.refresh(ctx)

	j.mu.Lock()
	defer j.mu.Unlock()
	if key, ok := j.keys[kid]; ok {
		return key, nil
	}
	if known {
		// The refresh dropped the key: the issuer withdrew it.
		return nil, fail(ErrUnknownKey, "key withdrawn by issuer")
	}
	if j.keys == nil {
		// Never had keys, so we cannot tell whether kid is genuine.
		cause := refreshErr
		if cause == nil {
			cause = j.lastErr
		}
		if cause == nil {
			cause = errors.New("no keys fetched yet")
		}
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, cause)
	}
	return nil, fail(ErrUnknownKey, "kid not published by issuer")
}

// Refresh fetches the key set now, subject to the minimum refresh interval,
// for callers that want to warm the cache at startup or fail fast when the
// issuer is unreachable. It returns nil without fetching if an attempt was
// made within the interval and succeeded.
func (j *JWKS) Refresh(ctx context.Context) error {
	return j.refresh(ctx)
}

// refresh fetches the key set unless an attempt was made within the minimum
// refresh interval. Concurrent callers wait for one fetch (or their ctx).
func (j *JWKS) refresh(ctx context.Context) error {
	select {
	case j.fetching <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-j.fetching }()

	j.mu.Lock()
	if !j.attemptedAt.IsZero() && j.now().Sub(j.attemptedAt) < j.minRefresh {
		err := j.lastErr
		j.mu.Unlock()
		return err
	}
	j.attemptedAt = j.now()
	jwksURI := j.jwksURI
	j.mu.Unlock()

	keys, jwksURI, err := j.fetch(ctx, jwksURI)

	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastErr = err
	if err != nil {
		// Rediscover next time, in case jwks_uri moved.
		j.jwksURI = ""
		return err
	}
	j.keys, j.jwksURI, j.fetchedAt = keys, jwksURI, j.now()
	return nil
}

// fetch discovers jwks_uri (unless already known) and fetches the key set.
func (j *JWKS) fetch(ctx context.Context, jwksURI string) (map[string]crypto.PublicKey, string, error) {
	if jwksURI == "" {
		// go-oidc reads the discovery document and holds it to OpenID
		// Connect Discovery §4.3: it must be this issuer's.
		dctx, cancel := context.WithTimeout(ctx, j.timeout)
		provider, err := oidc.NewProvider(oidc.ClientContext(dctx, j.client), j.issuer)
		cancel()
		if err != nil {
			return nil, "", fmt.Errorf("openid discovery: %w", err)
		}
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := provider.Claims(&doc); err != nil {
			return nil, "", fmt.Errorf("openid discovery: %w", err)
		}
		u, err := url.Parse(doc.JWKSURI)
		if err != nil || u.Host == "" {
			return nil, "", errors.New("openid discovery: jwks_uri is not an absolute URL")
		}
		if err := checkScheme(u); err != nil {
			return nil, "", fmt.Errorf("openid discovery: jwks_uri: %w", err)
		}
		jwksURI = doc.JWKSURI
	}
	var raw json.RawMessage
	if err := j.getJSON(ctx, jwksURI, &raw); err != nil {
		return nil, "", fmt.Errorf("fetching JWK Set: %w", err)
	}
	keys, err := parseJWKSet(raw)
	if err != nil {
		return nil, "", err
	}
	return keys, jwksURI, nil
}

// getJSON GETs url and decodes its JSON body into v.
func (j *JWKS) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxDocumentSize {
		return fmt.Errorf("GET %s: response larger than %d bytes", url, maxDocumentSize)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: invalid JSON", url)
	}
	return nil
}

// Package web is the browser client: plain ES modules, CSS and one HTML
// page under static/, embedded in the gateway binary and served at /. It
// uses only the public REST API under /v1/, so there is no build step.
package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

//go:embed static
var files embed.FS

// Settings are the public settings the page reads from /config.json.
type Settings struct {
	// OIDCIssuer, when set, offers the OpenID Connect sign-in (authorization
	// code with PKCE, in the browser) besides pasting a token.
	OIDCIssuer string `json:"oidc_issuer,omitempty"`
	// OIDCClientID is the client the page signs in as (a public client).
	OIDCClientID string `json:"oidc_client_id,omitempty"`
	// OIDCAudience is the audience the services require of a JWT.
	OIDCAudience string `json:"oidc_audience,omitempty"`
	// OIDCScopes are the scopes asked for; "openid" at least.
	OIDCScopes string `json:"oidc_scopes,omitempty"`
}

// Handler serves the client's files and /config.json with a
// Content-Security-Policy that allows scripts, styles and connections only
// from the gateway itself (and the issuer, for the sign-in redirect).
func Handler(s Settings) http.Handler {
	static, _ := fs.Sub(files, "static")
	fileServer := http.FileServerFS(static)
	csp := policy(s.OIDCIssuer)
	config, _ := json.Marshal(s)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// The client is small and changes with the binary: always revalidate.
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == "/config.json" {
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(config)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}

// policy is the Content-Security-Policy: nothing inline, nothing from
// elsewhere but the OpenID Connect issuer (its discovery document and token
// endpoint are fetched by the page).
func policy(issuer string) string {
	connect := "'self'"
	if u, err := url.Parse(issuer); err == nil && u.Scheme != "" && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src " + connect,
		"form-action 'self'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// Package authtest gives tests real credentials: JWTs from a built-in issuer
// made in a temporary directory, a verifier for them, and gRPC call
// credentials that send them.
package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/jwt"
)

// Issuer and Audience of the test tokens.
const (
	Issuer   = "goldenthread-test"
	Audience = "goldenthread"
	// PlatformAdmin is the subject tests configure as a platform admin.
	PlatformAdmin = "platform-admin"
)

// Env issues and verifies test tokens.
type Env struct {
	issuer *jwt.Issuer
	// Verifier checks the tokens Env issues.
	Verifier *jwt.Verifier
}

// New makes an issuer with a fresh key.
func New(t testing.TB) *Env {
	t.Helper()
	iss, err := jwt.LoadOrCreateIssuer(t.TempDir(), Issuer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwt.NewVerifier(Issuer, Audience, iss.Keys())
	if err != nil {
		t.Fatal(err)
	}
	return &Env{issuer: iss, Verifier: v}
}

// Token returns a JWT for subject, valid for an hour.
func (e *Env) Token(t testing.TB, subject string) string {
	return e.TokenUntil(t, subject, time.Now().Add(time.Hour))
}

// TokenUntil returns a JWT for subject that expires at exp.
func (e *Env) TokenUntil(t testing.TB, subject string, exp time.Time) string {
	return e.Sign(t, jwt.Claims{Subject: subject, Audience: []string{Audience}, ExpiresAt: exp})
}

// Sign returns a JWT with exactly the claims c (and the test issuer).
func (e *Env) Sign(t testing.TB, c jwt.Claims) string {
	t.Helper()
	tok, err := e.issuer.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Bearer sends a token with every call (grpc.WithPerRPCCredentials). It
// allows plaintext connections: tests run on loopback.
type Bearer string

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (b Bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (Bearer) RequireTransportSecurity() bool { return false }

package jwt

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"
)

// MaxTokenSize bounds the tokens Verify will look at. Real access and ID
// tokens are a few KiB at most; the bound keeps a hostile caller from making
// the server decode and hash megabytes per request.
const MaxTokenSize = 16 << 10

// DefaultLeeway is the clock skew allowed when checking exp and nbf when no
// WithLeeway option is given. A minute absorbs ordinary drift between the
// issuer's clock and ours without meaningfully extending token lifetimes.
const DefaultLeeway = 60 * time.Second

// The algorithms accepted, as named in the JWS alg header (RFC 7518).
const (
	algRS256 = "RS256"
	algES256 = "ES256"
)

// Bounds on RSA moduli this package will verify with: smaller keys are
// breakable, larger ones only cost CPU per request.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// A KeySource supplies the public keys tokens are verified with, so that a
// Verifier can trust a remote OpenID Connect issuer ([JWKS]), a fixed set of
// keys ([StaticKeys]) or the built-in [Issuer] without knowing which.
//
// Key returns the key named kid as an *rsa.PublicKey or *ecdsa.PublicKey. It
// returns an error wrapping ErrUnknownKey when no such key is trusted, and
// any other error when the keys could not be obtained. It must be safe for
// concurrent use.
type KeySource interface {
	Key(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// A Verifier decides whether a bearer token was issued, for this service, by
// the one issuer it trusts, and is still valid. It holds no per-request state
// and is safe for concurrent use.
type Verifier struct {
	issuer   string
	audience string
	keys     KeySource
	leeway   time.Duration
	now      func() time.Time
}

// A VerifierOption adjusts a Verifier at construction, so that the common
// case needs only the issuer, audience and keys.
type VerifierOption func(*Verifier)

// WithLeeway sets the clock skew allowed when checking exp and nbf, for
// deployments whose clocks are known to be tighter or looser than
// DefaultLeeway. Negative values are treated as zero.
func WithLeeway(d time.Duration) VerifierOption {
	return func(v *Verifier) { v.leeway = max(d, 0) }
}

// WithClock replaces time.Now, so that tests (and replays of recorded
// traffic) can check tokens at a chosen instant.
func WithClock(now func() time.Time) VerifierOption {
	return func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	}
}

// NewVerifier returns a Verifier that accepts tokens whose iss is exactly
// issuer, whose aud includes audience, and whose signature was made by a key
// from keys. It returns an error if any of the three is missing, because a
// verifier that skips one of those checks silently accepts tokens it should
// not.
func NewVerifier(issuer, audience string, keys KeySource, opts ...VerifierOption) (*Verifier, error) {
	switch {
	case issuer == "":
		return nil, errors.New("jwt: verifier needs an issuer")
	case audience == "":
		return nil, errors.New("jwt: verifier needs an audience")
	case keys == nil:
		return nil, errors.New("jwt: verifier needs a key source")
	}
	v := &Verifier{
		issuer:   issuer,
		audience: audience,
		keys:     keys,
		leeway:   DefaultLeeway,
		now:      time.Now,
	}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// header is the part of the JOSE header this package reads.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// b64 is the unpadded base64url encoding JWS uses. Strict rejects encodings
// with non-zero trailing bits, so each token has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// Verify checks token and returns its claims. It is the only way this
// package hands out claims, so a caller cannot use claims whose signature,
// issuer, audience or lifetime were not checked. ctx bounds any key fetch.
//
// Every error matches one of the package's sentinel errors with errors.Is.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > MaxTokenSize {
		return nil, fail(ErrMalformed, "token too large")
	}
	signingInput, sigPart, ok := cutLast(token)
	if !ok {
		return nil, fail(ErrMalformed, "not a compact JWS")
	}
	headerPart, payloadPart, ok := strings.Cut(signingInput, ".")
	if !ok || strings.Contains(payloadPart, ".") {
		return nil, fail(ErrMalformed, "not a compact JWS")
	}
	headerJSON, err := b64.DecodeString(headerPart)
	if err != nil {
		return nil, fail(ErrMalformed, "header is not base64url")
	}
	var h header
	if p := bytes.TrimSpace(headerJSON); len(p) == 0 || p[0] != '{' {
		return nil, fail(ErrMalformed, "header is not a JSON object")
	}
	if err := json.Unmarshal(headerJSON, &h); err != nil {
		return nil, fail(ErrMalformed, "header is not valid JSON")
	}
	if h.Crit != nil {
		return nil, fail(ErrMalformed, "crit header not supported")
	}
	// The algorithm is checked before anything else about the token, so an
	// unsigned ("none") token is reported as such whatever its signature.
	if h.Alg != algRS256 && h.Alg != algES256 {
		return nil, fail(ErrUnsupportedAlg, "alg must be RS256 or ES256")
	}
	if h.Kid == "" {
		return nil, fail(ErrUnknownKey, "token has no kid")
	}
	payload, err := b64.DecodeString(payloadPart)
	if err != nil {
		return nil, fail(ErrMalformed, "payload is not base64url")
	}
	sig, err := b64.DecodeString(sigPart)
	if err != nil || len(sig) == 0 {
		return nil, fail(ErrMalformed, "signature is not base64url")
	}

	key, err := v.keys.Key(ctx, h.Kid)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, fail(ErrUnknownKey, "no trusted key has the token's kid")
		}
		return nil, &keysUnavailableError{cause: err}
	}
	if err := verifySignature(h.Alg, key, signingInput, sig); err != nil {
		return nil, err
	}

	claims, err := parseClaims(payload)
	if err != nil {
		return nil, fail(ErrMalformed, "claims are not a valid JSON claims set")
	}
	if err := v.checkClaims(claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// cutLast splits s at its last '.'.
func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// verifySignature checks sig over signingInput with key, which must be the
// kind of key alg requires.
func verifySignature(alg string, key crypto.PublicKey, signingInput string, sig []byte) error {
	digest := sha256.Sum256([]byte(signingInput))
	switch alg {
	case algRS256:
		pub, ok := key.(*rsa.PublicKey)
		if !ok || pub == nil || pub.N == nil {
			return fail(ErrBadSignature, "key does not fit alg")
		}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return fail(ErrBadSignature, "key size not accepted")
		}
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
			return fail(ErrBadSignature, "signature does not verify")
		}
		return nil
	case algES256:
		pub, ok := key.(*ecdsa.PublicKey)
		// The nil checks keep a malformed caller-supplied key from panicking
		// inside crypto/ecdsa.
		if !ok || pub == nil || pub.Curve != elliptic.P256() || pub.X == nil || pub.Y == nil {
			return fail(ErrBadSignature, "key does not fit alg")
		}
		// JWS uses the fixed-width R||S form (RFC 7518 §3.4), not ASN.1.
		if len(sig) != 64 {
			return fail(ErrBadSignature, "signature is not 64 bytes")
		}
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			return fail(ErrBadSignature, "signature does not verify")
		}
		return nil
	}
	return fail(ErrUnsupportedAlg, "alg must be RS256 or ES256")
}

// checkClaims applies the time, issuer, audience and subject rules.
func (v *Verifier) checkClaims(c *Claims) error {
	now := v.now()
	if c.ExpiresAt.IsZero() {
		return fail(ErrMissingClaim, "exp is required")
	}
	if !now.Before(c.ExpiresAt.Add(v.leeway)) {
		return fail(ErrExpired, "exp has passed")
	}
	if !c.NotBefore.IsZero() && now.Add(v.leeway).Before(c.NotBefore) {
		return fail(ErrNotYetValid, "nbf is in the future")
	}
	if c.Issuer != v.issuer {
		return fail(ErrWrongIssuer, "iss is not the trusted issuer")
	}
	if !slices.Contains(c.Audience, v.audience) {
		return fail(ErrWrongAudience, "aud does not include this service")
	}
	if c.Subject == "" {
		return fail(ErrMissingClaim, "sub is required")
	}
	return nil
}

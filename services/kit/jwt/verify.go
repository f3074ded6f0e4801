package jwt

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxTokenSize bounds the tokens Verify will look at. Real access and ID
// tokens are a few KiB at most; the bound keeps a hostile caller from making
// the server decode and hash megabytes per request.
const MaxTokenSize = 16 << 10

// DefaultLeeway is the clock skew allowed when checking exp and nbf when no
// WithLeeway option is given. A minute absorbs ordinary drift between the
// issuer's clock and ours without meaningfully extending token lifetimes.
const DefaultLeeway = 60 * time.Second

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

// accepted are the algorithms a token may be signed with. go-jose parses a
// token with any algorithm it knows (parseAlgs), so that one with another
// is told apart (ErrUnsupportedAlg) from one that is not a JWS at all.
var (
	accepted  = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}
	parseAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA, jose.HS256, jose.HS384, jose.HS512}
)

// p256HalfOrder is half the order of P-256: an ES256 signature's S above it
// is the "high" twin of a valid signature (N-S verifies too), refused so
// that a token has exactly one spelling.
var p256HalfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// Verify checks token and returns its claims. It is the only way this
// package hands out claims, so a caller cannot use claims whose signature,
// issuer, audience or lifetime were not checked. ctx bounds any key fetch.
//
// go-jose parses the compact JWS and checks its signature; Verify adds what
// go-jose leaves to its caller: the size bound, the algorithms, no "crit"
// extension (go-jose would honour "b64"), one spelling of every token (the
// canonical base64url go-jose re-serialises, and an ES256 signature in its
// low-S form), the key's kind and size, and the claims.
//
// Every error matches one of the package's sentinel errors with errors.Is.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > MaxTokenSize {
		return nil, fail(ErrMalformed, "token too large")
	}
	jws, err := jose.ParseSignedCompact(token, parseAlgs)
	if err != nil {
		// The algorithm is judged before anything else about the token, so
		// an unsigned ("none") token is reported as such whatever its
		// signature.
		if alg, ok := headerAlg(token); ok && !slices.Contains(accepted, alg) {
			return nil, fail(ErrUnsupportedAlg, "alg must be RS256 or ES256")
		}
		return nil, fail(ErrMalformed, "not a compact JWS with a JSON header")
	}
	sig := jws.Signatures[0]
	alg := jose.SignatureAlgorithm(sig.Protected.Algorithm)
	switch {
	case !slices.Contains(accepted, alg):
		return nil, fail(ErrUnsupportedAlg, "alg must be RS256 or ES256")
	case sig.Protected.ExtraHeaders["crit"] != nil:
		return nil, fail(ErrMalformed, "crit header not supported")
	case len(sig.Signature) == 0:
		return nil, fail(ErrMalformed, "signature is empty")
	}
	if again, err := jws.CompactSerialize(); err != nil || again != token {
		return nil, fail(ErrMalformed, "not in canonical base64url")
	}
	if sig.Protected.KeyID == "" {
		return nil, fail(ErrUnknownKey, "token has no kid")
	}

	key, err := v.keys.Key(ctx, sig.Protected.KeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, fail(ErrUnknownKey, "no trusted key has the token's kid")
		}
		return nil, &keysUnavailableError{cause: err}
	}
	if checkKey(key) != nil || !fitsAlg(key, string(alg)) {
		return nil, fail(ErrBadSignature, "key does not fit alg")
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, fail(ErrBadSignature, "signature does not verify")
	}
	if alg == jose.ES256 && new(big.Int).SetBytes(sig.Signature[32:]).Cmp(p256HalfOrder) > 0 {
		return nil, fail(ErrBadSignature, "signature not in low-S form")
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

// headerAlg reads the alg of a token go-jose could not parse, to tell an
// algorithm it does not know ("none") from a token that is not a JWS.
func headerAlg(token string) (jose.SignatureAlgorithm, bool) {
	part, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return "", false
	}
	var h map[string]json.RawMessage
	if json.Unmarshal(raw, &h) != nil || h == nil {
		return "", false
	}
	var alg string
	if json.Unmarshal(h["alg"], &alg) != nil && h["alg"] != nil {
		return "", false
	}
	return jose.SignatureAlgorithm(alg), true
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

// Package jwt verifies the bearer tokens that callers present to Golden
// Thread, and mints them for the embedded single-process default.
//
// It stands on kept libraries: github.com/go-jose/go-jose/v4 parses tokens,
// checks signatures, reads JWK Sets and signs, and
// github.com/coreos/go-oidc/v3 reads an issuer's discovery document. What is
// left here is policy, configuration and the claims: it accepts only what an
// OpenID Connect issuer actually produces for access and ID tokens, and
// rejects everything else, whatever more go-jose could read:
//
//   - Only compact JWS (three base64url parts) is accepted; JWE and the JSON
//     serialisation are not. Each token has one spelling: canonical
//     base64url, and an ES256 signature in its low-S form (S at most half the
//     curve's order; its twin N-S verifies too). The built-in issuer signs
//     that way; an external issuer whose ES256 signer does not normalise S
//     has about half its tokens refused, and should sign with RS256.
//   - Only RS256 and ES256 are accepted. "none" and the HMAC algorithms are
//     rejected outright, which closes the classic alg-confusion attack where
//     an RSA public key is used as an HMAC secret. The key named by "kid"
//     must also be of the kind the algorithm needs.
//   - Keys come only from a [KeySource] that the server chose (a [JWKS]
//     endpoint discovered from the configured issuer, a fixed [StaticKeys]
//     map, or the built-in [Issuer]). Keys or key URLs carried in the token
//     header (jwk, jku, x5u, x5c) are ignored, and a header marked "crit" is
//     rejected because this package understands no extensions (go-jose would
//     honour "b64").
//   - The signature is checked before the claims are parsed, so unauthenticated
//     JSON is never interpreted beyond the header.
//   - "exp" and "sub" are required; "iss" must equal the configured issuer and
//     the configured audience must be one of "aud". Time checks allow a small
//     clock-skew leeway (60s by default).
//
// Every failure is one of the exported sentinel errors (test with
// errors.Is), wrapped with a short description. Error messages never contain
// key material or values taken from the token, only claim and header names,
// so they are safe to return to the caller of an API.
//
// Tokens are bounded to [MaxTokenSize] bytes and Verify never panics, whatever
// the input; FuzzVerify holds it to that.
//
// # Keys from an OpenID Connect issuer
//
// [NewJWKS] discovers the issuer's jwks_uri from
// <issuer>/.well-known/openid-configuration and caches the JWK Set. The cache
// is refreshed lazily, on the request path, rather than by a background
// goroutine: when a token names a kid that is not cached (the issuer has
// rotated its keys), and when the cached set is older than the refresh
// interval (15 minutes by default). Lazy refresh needs no goroutine whose
// lifetime a caller must manage, and an idle service makes no requests.
// Refreshes are never attempted more often than the minimum refresh interval
// (10 seconds by default), so tokens with made-up kids cannot turn the
// service into a client that hammers the issuer. When a refresh fails, the
// keys already cached are kept, so a brief issuer outage does not reject
// tokens signed with known keys. (go-oidc's own key set refreshes on every
// unknown kid, with no such bound, which is why the cache is this package's.)
//
// # The built-in issuer
//
// When Golden Thread runs as one process on a laptop there is no identity
// provider. [LoadOrCreateIssuer] keeps an ECDSA P-256 signing key in a file
// under the data directory so that tokens survive restarts, and the [Issuer]
// can sign tokens, verify them through [Issuer.Keys], and publish its public
// key as a JWK Set through [Issuer.JWKS], so the same verification path is
// used with and without an external identity provider.
package jwt

package jwt

import (
	"errors"
	"fmt"
)

// The sentinel errors below are what callers branch on: every error returned
// by [Verifier.Verify] matches exactly one of them with errors.Is. Their text,
// and the short context wrapped around them, never includes key material or
// values from the token, so an error may be shown to the client that sent the
// token.
var (
	// ErrMalformed means the token is not a well-formed compact JWS with JSON
	// header and claims, or is larger than MaxTokenSize. It is a client bug
	// or garbage, never a valid token that failed a policy check.
	ErrMalformed = errors.New("jwt: malformed token")

	// ErrUnsupportedAlg means the header names an algorithm other than RS256
	// or ES256, including "none" and the HMAC algorithms, which are refused to
	// prevent algorithm-confusion attacks.
	ErrUnsupportedAlg = errors.New("jwt: unsupported signing algorithm")

	// ErrUnknownKey means no trusted key has the token's kid (or the token has
	// no kid). After an issuer rotates keys this may clear on its own once the
	// key source refreshes.
	ErrUnknownKey = errors.New("jwt: unknown signing key")

	// ErrBadSignature means the signature was not made by the trusted key the
	// kid names: forged, tampered with, or signed by a different key that
	// reuses the kid, or the key is not of the kind the algorithm needs.
	ErrBadSignature = errors.New("jwt: bad signature")

	// ErrExpired means the token's exp has passed, beyond the leeway. The
	// caller should obtain a fresh token.
	ErrExpired = errors.New("jwt: token expired")

	// ErrNotYetValid means the token's nbf is in the future, beyond the
	// leeway; usually a badly skewed clock on one side.
	ErrNotYetValid = errors.New("jwt: token not yet valid")

	// ErrMissingClaim means a claim this package requires (exp or sub) is
	// absent, so the token cannot be bounded in time or tied to a principal.
	ErrMissingClaim = errors.New("jwt: required claim missing")

	// ErrWrongIssuer means iss is not the issuer this verifier trusts. A
	// valid signature is not enough: a key source may be shared, and tokens
	// from one issuer must not be accepted as another's.
	ErrWrongIssuer = errors.New("jwt: wrong issuer")

	// ErrWrongAudience means the token was not issued for this service, so
	// replaying a token meant for another service is refused.
	ErrWrongAudience = errors.New("jwt: wrong audience")

	// ErrKeysUnavailable means the trusted keys could not be obtained (the
	// issuer is unreachable or serves nothing usable, or the context ended).
	// It is a server-side condition, not the caller's fault, and is usually
	// worth retrying. The underlying cause is kept for logs: it is reachable
	// with errors.Is/As but is not part of the message.
	ErrKeysUnavailable = errors.New("jwt: signing keys unavailable")
)

// fail wraps a sentinel with a short, caller-safe detail.
func fail(sentinel error, detail string) error {
	return fmt.Errorf("%w: %s", sentinel, detail)
}

// keysUnavailableError hides the cause of a key-source failure (which may
// name internal hosts or addresses) from the message while keeping it
// reachable for errors.Is/As, so servers can log it.
type keysUnavailableError struct{ cause error }

func (e *keysUnavailableError) Error() string { return ErrKeysUnavailable.Error() }

func (e *keysUnavailableError) Unwrap() []error { return []error{ErrKeysUnavailable, e.cause} }

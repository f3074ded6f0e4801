package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// StaticKeys is a KeySource with a fixed set of keys, mapping kid to an
// *rsa.PublicKey or *ecdsa.PublicKey. It suits tests, the built-in Issuer,
// and deployments that pin an issuer's keys instead of fetching them.
type StaticKeys map[string]crypto.PublicKey

// Key returns the key named kid, or an error wrapping ErrUnknownKey.
func (s StaticKeys) Key(_ context.Context, kid string) (crypto.PublicKey, error) {
	if k, ok := s[kid]; ok && k != nil {
		return k, nil
	}
	return nil, fail(ErrUnknownKey, "kid not in static key set")
}

// parseJWKSet returns the signing keys in a JWK Set that this package can
// verify with, by kid. go-jose reads each key; a key that is not for
// signatures, of another algorithm, type or curve, malformed (go-jose
// refuses EC points off the curve), without a kid, or whose kid repeats is
// skipped rather than failing the whole set, so that an issuer publishing
// an encryption key or a newer key type does not break verification. (go-jose
// reads a whole set or nothing, hence the loop over its members.) A set with
// no usable key at all is an error: replacing good cached keys with nothing
// would reject every token.
func parseJWKSet(data []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, errors.New("JWK Set is not valid JSON")
	}
	keys := make(map[string]crypto.PublicKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if k.UnmarshalJSON(raw) != nil || k.KeyID == "" || !k.IsPublic() {
			continue
		}
		if _, dup := keys[k.KeyID]; dup {
			continue
		}
		if (k.Use != "" && k.Use != "sig") || !fitsAlg(k.Key, k.Algorithm) {
			continue
		}
		if checkKey(k.Key) == nil {
			keys[k.KeyID] = k.Key
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("JWK Set has no usable signing keys")
	}
	return keys, nil
}

// fitsAlg says whether a JWK's alg member, when it has one, is the one this
// package verifies its kind of key with.
func fitsAlg(key any, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return alg == "" || alg == string(jose.RS256)
	case *ecdsa.PublicKey:
		return alg == "" || alg == string(jose.ES256)
	}
	return false
}

// checkKey holds a key to what this package verifies with, beyond what
// go-jose checks: RSA moduli of 2048 to 8192 bits with a small odd public
// exponent (crypto/rsa's own bounds), and ECDSA keys on P-256 only. The nil
// checks keep a malformed caller-supplied key from panicking in crypto.
func checkKey(key crypto.PublicKey) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return errors.New("RSA key without modulus")
		}
		if bits := k.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return errors.New("RSA key size not accepted")
		}
		if k.E < 3 || k.E > 1<<31-1 || k.E%2 == 0 {
			return errors.New("RSA exponent out of range")
		}
		return nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() || k.X == nil || k.Y == nil {
			return errors.New("EC key not P-256")
		}
		return nil
	}
	return errors.New("unsupported key type")
}

// kidOf is the RFC 7638 JWK thumbprint (SHA-256, base64url) of pub: a kid
// that any party can recompute from the key itself, so it needs no
// bookkeeping and changes exactly when the key does.
func kidOf(pub crypto.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("jwt: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
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

// jwk is one JSON Web Key (RFC 7517) as far as this package reads it.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// jwkSet is a JWK Set document.
type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

// parseJWKSet returns the signing keys in a JWK Set that this package can
// verify with, by kid. Keys that are not for signatures, of an unsupported
// type or curve, malformed, without a kid, or whose kid repeats are skipped
// rather than failing the whole set, so that an issuer publishing an
// encryption key or a newer key type does not break verification. A set with
// no usable key at all is an error: replacing good cached keys with nothing
// would reject every token.
func parseJWKSet(data []byte) (map[string]crypto.PublicKey, error) {
	var set jwkSet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, errors.New("JWK Set is not valid JSON")
	}
	keys := make(map[string]crypto.PublicKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jwk
		if json.Unmarshal(raw, &k) != nil || k.Kid == "" {
			continue
		}
		if _, dup := keys[k.Kid]; dup {
			continue
		}
		if pub, err := k.publicKey(); err == nil {
			keys[k.Kid] = pub
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("JWK Set has no usable signing keys")
	}
	return keys, nil
}

// publicKey converts a JWK to a public key this package verifies with.
func (k jwk) publicKey() (crypto.PublicKey, error) {
	if k.Use != "" && k.Use != "sig" {
		return nil, errors.New("key is not for signatures")
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != algRS256 {
			return nil, errors.New("RSA key for another alg")
		}
		n, e, err := decodeB64Pair(k.N, k.E)
		if err != nil {
			return nil, err
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return nil, errors.New("RSA key size not accepted")
		}
		// e is at most 4 bytes, at least 3 and odd (as crypto/rsa requires).
		if len(e) == 0 || len(e) > 4 {
			return nil, errors.New("RSA exponent out of range")
		}
		ev := new(big.Int).SetBytes(e).Int64()
		if ev < 3 || ev > 1<<31-1 || ev%2 == 0 {
			return nil, errors.New("RSA exponent out of range")
		}
		pub.E = int(ev)
		return pub, nil
	case "EC":
		if k.Crv != "P-256" || (k.Alg != "" && k.Alg != algES256) {
			return nil, errors.New("EC key not P-256/ES256")
		}
		x, y, err := decodeB64Pair(k.X, k.Y)
		if err != nil {
			return nil, err
		}
		// RFC 7518 §6.2.1.2: coordinates are full-length octet strings.
		if len(x) != 32 || len(y) != 32 {
			return nil, errors.New("EC coordinates not 32 bytes")
		}
		// ParseUncompressedPublicKey rejects points not on the curve.
		point := append(append([]byte{4}, x...), y...)
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	}
	return nil, errors.New("unsupported key type")
}

// decodeB64Pair decodes the two members that make a public key (an RSA
// key's modulus and exponent, an EC key's coordinates).
func decodeB64Pair(a, b string) ([]byte, []byte, error) {
	da, err := decodeB64(a)
	if err != nil {
		return nil, nil, err
	}
	db, err := decodeB64(b)
	return da, db, err
}

// decodeB64 decodes a base64url JWK member, tolerating the padding some
// issuers add despite RFC 7517.
func decodeB64(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url in key")
	}
	return b, nil
}

// publicJWK is the public JWK for key, with kid set to its thumbprint.
func publicJWK(pub crypto.PublicKey) (jwk, error) {
	var k jwk
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return jwk{}, errors.New("jwt: only P-256 EC keys are supported")
		}
		b, err := p.Bytes()
		if err != nil {
			return jwk{}, fmt.Errorf("jwt: encoding EC key: %w", err)
		}
		k = jwk{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(b[1:33]), Y: b64.EncodeToString(b[33:65])}
	case *rsa.PublicKey:
		e := big.NewInt(int64(p.E)).Bytes()
		k = jwk{Kty: "RSA", N: b64.EncodeToString(p.N.Bytes()), E: b64.EncodeToString(e)}
	default:
		return jwk{}, fmt.Errorf("jwt: unsupported public key type %T", pub)
	}
	k.Kid = thumbprint(k)
	return k, nil
}

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url): a kid that
// any party can recompute from the key itself, so it needs no bookkeeping
// and changes exactly when the key does.
func thumbprint(k jwk) string {
	// The required members in lexicographic order with no whitespace
	// (RFC 7638 §3.2); json.Marshal of strings gives the exact escaping.
	var canonical string
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch k.Kty {
	case "EC":
		canonical = `{"crv":` + q(k.Crv) + `,"kty":"EC","x":` + q(k.X) + `,"y":` + q(k.Y) + `}`
	case "RSA":
		canonical = `{"e":` + q(k.E) + `,"kty":"RSA","n":` + q(k.N) + `}`
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64.EncodeToString(sum[:])
}

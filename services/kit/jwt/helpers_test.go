package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	keysOnce        sync.Once
	rsaA, rsaB      *rsa.PrivateKey
	ecA, ecB        *ecdsa.PrivateKey
	keysGenerateErr error
	testIssuer      = "https://id.example.test"
	testAudience    = "goldenthread-api"
	testNow         = time.Unix(1_800_000_000, 0).UTC()
	testClock       = func() time.Time { return testNow }
	kidRSA, kidEC   = "rsa-1", "ec-1"
	internalCause   = "dial tcp 10.1.2.3:443: connection refused"
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		gen := func() *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				keysGenerateErr = err
			}
			return k
		}
		rsaA, rsaB = gen(), gen()
		genEC := func() *ecdsa.PrivateKey {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				keysGenerateErr = err
			}
			return k
		}
		ecA, ecB = genEC(), genEC()
	})
	if keysGenerateErr != nil {
		t.Fatal(keysGenerateErr)
	}
}

// staticTestKeys trusts rsaA under kidRSA and ecA under kidEC.
func staticTestKeys(t testing.TB) StaticKeys {
	testKeys(t)
	return StaticKeys{kidRSA: &rsaA.PublicKey, kidEC: &ecA.PublicKey}
}

func newTestVerifier(t testing.TB, keys KeySource, opts ...VerifierOption) *Verifier {
	t.Helper()
	v, err := NewVerifier(testIssuer, testAudience, keys, append([]VerifierOption{WithClock(testClock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// goodClaims is a claims set the test verifier accepts.
func goodClaims() map[string]any {
	return map[string]any{
		"iss":   testIssuer,
		"sub":   "user-42",
		"aud":   testAudience,
		"exp":   testNow.Add(time.Hour).Unix(),
		"nbf":   testNow.Add(-time.Minute).Unix(),
		"iat":   testNow.Add(-time.Minute).Unix(),
		"email": "ada@example.test",
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// b64 is the unpadded base64url encoding JWS uses.
var b64 = base64.RawURLEncoding.Strict()

// jwk is a JSON Web Key as the tests write them, including the malformed
// ones a JWK Set may hold.
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

// nonCanonical is another spelling of the last character c of an unpadded
// base64url string that decodes to the same bytes: its lowest bit, unused
// when the string does not end on a byte boundary, flipped.
func nonCanonical(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

// testJWK is pub as a JWK, its kid its thumbprint.
func testJWK(t testing.TB, pub crypto.PublicKey) jwk {
	t.Helper()
	kid, err := kidOf(pub)
	if err != nil {
		t.Fatal(err)
	}
	var k jwk
	if err := json.Unmarshal(mustJSON(t, &jose.JSONWebKey{Key: pub, KeyID: kid}), &k); err != nil {
		t.Fatal(err)
	}
	return k
}

// signRaw signs header.payload (given as raw JSON bytes) with key using alg,
// producing exactly the bytes a real issuer would. alg picks the algorithm
// actually used, whatever the header says.
func signRaw(t testing.TB, alg string, key any, header, payload []byte) string {
	t.Helper()
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch alg {
	case "RS256":
		s, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = s
	case "ES256", "ES256-highS":
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		// Issuers sign in the low-S form, the one Verify accepts; the
		// high-S twin of the same signature verifies too, and is refused.
		if high := s.Cmp(p256HalfOrder) > 0; high != (alg == "ES256-highS") {
			s.Sub(elliptic.P256().Params().N, s)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case "ES256-ASN1":
		s, err := ecdsa.SignASN1(rand.Reader, key.(*ecdsa.PrivateKey), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = s
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "none":
	default:
		t.Fatalf("unknown alg %q", alg)
	}
	return input + "." + b64.EncodeToString(sig)
}

// sign makes a token with header {"alg": alg, "kid": kid} and claims.
func sign(t testing.TB, alg, kid string, key any, claims map[string]any) string {
	t.Helper()
	hdrAlg := alg
	if alg == "ES256-ASN1" || alg == "ES256-highS" {
		hdrAlg = "ES256"
	}
	return signRaw(t, alg, key, mustJSON(t, map[string]string{"alg": hdrAlg, "kid": kid, "typ": "JWT"}), mustJSON(t, claims))
}

// fakeClock is a settable, concurrency-safe clock.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

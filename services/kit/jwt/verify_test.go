package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sentinels are all the errors Verify may report; every failure must match
// exactly one.
var sentinels = []error{
	ErrMalformed, ErrUnsupportedAlg, ErrUnknownKey, ErrBadSignature, ErrExpired,
	ErrNotYetValid, ErrMissingClaim, ErrWrongIssuer, ErrWrongAudience, ErrKeysUnavailable,
}

func checkSentinel(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v matches %d sentinels, want exactly 1", err, n)
	}
}

func TestVerifyAcceptsRS256AndES256(t *testing.T) {
	v := newTestVerifier(t, staticTestKeys(t))

	t.Run("RS256 aud string", func(t *testing.T) {
		tok := sign(t, "RS256", kidRSA, rsaA, goodClaims())
		c, err := v.Verify(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		want := &Claims{
			Subject:   "user-42",
			Issuer:    testIssuer,
			Audience:  []string{testAudience},
			ExpiresAt: testNow.Add(time.Hour),
			NotBefore: testNow.Add(-time.Minute),
			IssuedAt:  testNow.Add(-time.Minute),
			Email:     "ada@example.test",
		}
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("claims = %+v\nwant     %+v", c, want)
		}
	})

	t.Run("ES256 aud array, optional claims absent", func(t *testing.T) {
		claims := goodClaims()
		claims["aud"] = []string{"other-service", testAudience}
		claims["exp"] = float64(testNow.Unix()) + 90.5 // NumericDate may be fractional
		delete(claims, "nbf")
		delete(claims, "iat")
		delete(claims, "email")
		claims["roles"] = []string{"admin"} // unknown claims are ignored
		c, err := v.Verify(context.Background(), sign(t, "ES256", kidEC, ecA, claims))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Audience, []string{"other-service", testAudience}) {
			t.Errorf("Audience = %q", c.Audience)
		}
		if want := testNow.Add(90*time.Second + 500*time.Millisecond); !c.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", c.ExpiresAt, want)
		}
		if !c.NotBefore.IsZero() || !c.IssuedAt.IsZero() || c.Email != "" {
			t.Errorf("absent claims not zero: %+v", c)
		}
	})
}

func TestVerifyLeeway(t *testing.T) {
	keys := staticTestKeys(t)
	at := func(exp, nbf time.Duration) string {
		c := goodClaims()
		c["exp"] = testNow.Add(exp).Unix()
		c["nbf"] = testNow.Add(nbf).Unix()
		return sign(t, "ES256", kidEC, ecA, c)
	}
	def := newTestVerifier(t, keys)
	strict := newTestVerifier(t, keys, WithLeeway(0))
	ctx := context.Background()

	if _, err := def.Verify(ctx, at(-59*time.Second, -time.Hour)); err != nil {
		t.Errorf("exp 59s ago within default leeway: %v", err)
	}
	if _, err := def.Verify(ctx, at(time.Hour, 59*time.Second)); err != nil {
		t.Errorf("nbf 59s ahead within default leeway: %v", err)
	}
	_, err := def.Verify(ctx, at(-61*time.Second, -time.Hour))
	checkSentinel(t, err, ErrExpired)
	_, err = def.Verify(ctx, at(time.Hour, 61*time.Second))
	checkSentinel(t, err, ErrNotYetValid)
	_, err = strict.Verify(ctx, at(0, -time.Hour)) // exp == now is expired
	checkSentinel(t, err, ErrExpired)
	_, err = strict.Verify(ctx, at(time.Hour, time.Second))
	checkSentinel(t, err, ErrNotYetValid)
	if _, err := strict.Verify(ctx, at(time.Second, 0)); err != nil {
		t.Errorf("nbf == now with zero leeway: %v", err)
	}
}

// failingKeys is a KeySource whose backend is down.
type failingKeys struct{ err error }

func (f failingKeys) Key(context.Context, string) (crypto.PublicKey, error) { return nil, f.err }

func TestVerifyRejects(t *testing.T) {
	keys := staticTestKeys(t)
	v := newTestVerifier(t, keys)
	with := func(mod func(map[string]any)) map[string]any {
		c := goodClaims()
		mod(c)
		return c
	}
	good := sign(t, "RS256", kidRSA, rsaA, goodClaims())
	parts := strings.Split(good, ".")
	hdrRS := mustJSON(t, map[string]string{"alg": "RS256", "kid": kidRSA})

	pubDER, err := x509.MarshalPKIXPublicKey(&rsaA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	oversized := with(func(c map[string]any) { c["pad"] = strings.Repeat("x", MaxTokenSize) })

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"expired", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["exp"] = testNow.Add(-time.Hour).Unix() })), ErrExpired},
		{"nbf in future", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { c["nbf"] = testNow.Add(time.Hour).Unix() })), ErrNotYetValid},
		{"missing exp", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { delete(c, "exp") })), ErrMissingClaim},
		{"null exp", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["exp"] = nil })), ErrMissingClaim},
		{"missing sub", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { delete(c, "sub") })), ErrMissingClaim},
		{"empty sub", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { c["sub"] = "" })), ErrMissingClaim},
		{"wrong issuer", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["iss"] = "https://evil.example.test" })), ErrWrongIssuer},
		{"issuer differs by trailing slash", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["iss"] = testIssuer + "/" })), ErrWrongIssuer},
		{"missing issuer", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { delete(c, "iss") })), ErrWrongIssuer},
		{"wrong audience", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { c["aud"] = "billing-service" })), ErrWrongAudience},
		{"wrong audience array", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { c["aud"] = []string{"a", "b"} })), ErrWrongAudience},
		{"missing audience", sign(t, "ES256", kidEC, ecA, with(func(c map[string]any) { delete(c, "aud") })), ErrWrongAudience},

		{"RS256 other key same kid", sign(t, "RS256", kidRSA, rsaB, goodClaims()), ErrBadSignature},
		{"ES256 other key same kid", sign(t, "ES256", kidEC, ecB, goodClaims()), ErrBadSignature},
		{"tampered payload", parts[0] + "." + b64.EncodeToString(mustJSON(t, with(func(c map[string]any) { c["sub"] = "admin" }))) + "." + parts[2], ErrBadSignature},
		{"ES256 signature in ASN.1 form", sign(t, "ES256-ASN1", kidEC, ecA, goodClaims()), ErrBadSignature},
		{"ES256 signature in high-S form", sign(t, "ES256-highS", kidEC, ecA, goodClaims()), ErrBadSignature},
		{"payload in non-canonical base64url", parts[0] + "." + parts[1][:len(parts[1])-1] + string(nonCanonical(parts[1][len(parts[1])-1])) + "." + parts[2], ErrMalformed},
		{"RS256 header with EC key", signRaw(t, "ES256", ecA, mustJSON(t, map[string]string{"alg": "RS256", "kid": kidEC}), mustJSON(t, goodClaims())), ErrBadSignature},
		{"ES256 header with RSA key", signRaw(t, "RS256", rsaA, mustJSON(t, map[string]string{"alg": "ES256", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrBadSignature},

		{"unknown kid", sign(t, "RS256", "rsa-unknown", rsaA, goodClaims()), ErrUnknownKey},
		{"no kid", signRaw(t, "RS256", rsaA, mustJSON(t, map[string]string{"alg": "RS256"}), mustJSON(t, goodClaims())), ErrUnknownKey},

		{"alg none", signRaw(t, "none", nil, mustJSON(t, map[string]string{"alg": "none", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg none with signature", signRaw(t, "none", nil, mustJSON(t, map[string]string{"alg": "none", "kid": kidRSA}), mustJSON(t, goodClaims())) + parts[2], ErrUnsupportedAlg},
		{"alg None capitalised", signRaw(t, "none", nil, mustJSON(t, map[string]string{"alg": "None", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg HS256 with public key as secret", signRaw(t, "HS256", pubPEM, mustJSON(t, map[string]string{"alg": "HS256", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg HS256 with DER public key as secret", signRaw(t, "HS256", pubDER, mustJSON(t, map[string]string{"alg": "HS256", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg PS256", signRaw(t, "RS256", rsaA, mustJSON(t, map[string]string{"alg": "PS256", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg rs256 lower case", signRaw(t, "RS256", rsaA, mustJSON(t, map[string]string{"alg": "rs256", "kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},
		{"alg missing", signRaw(t, "RS256", rsaA, mustJSON(t, map[string]string{"kid": kidRSA}), mustJSON(t, goodClaims())), ErrUnsupportedAlg},

		{"empty", "", ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"four parts", good + ".x", ErrMalformed},
		{"one part", parts[0], ErrMalformed},
		{"bad base64 header", "!!!." + parts[1] + "." + parts[2], ErrMalformed},
		{"bad base64 payload", parts[0] + ".a*b." + parts[2], ErrMalformed},
		{"bad base64 signature", parts[0] + "." + parts[1] + ".%%%", ErrMalformed},
		{"padded base64 header", parts[0] + "==." + parts[1] + "." + parts[2], ErrMalformed},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrMalformed},
		{"bad JSON header", b64.EncodeToString([]byte(`{"alg":"RS256",`)) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"header not an object", b64.EncodeToString([]byte(`null`)) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"header kid not a string", b64.EncodeToString([]byte(`{"alg":"RS256","kid":7}`)) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"crit header", signRaw(t, "RS256", rsaA, []byte(`{"alg":"RS256","kid":"rsa-1","crit":["b64"],"b64":false}`), mustJSON(t, goodClaims())), ErrMalformed},
		{"signed bad JSON payload", signRaw(t, "RS256", rsaA, hdrRS, []byte(`{"sub":"x",`)), ErrMalformed},
		{"signed null payload", signRaw(t, "RS256", rsaA, hdrRS, []byte(`null`)), ErrMalformed},
		{"signed array payload", signRaw(t, "RS256", rsaA, hdrRS, []byte(`["sub"]`)), ErrMalformed},
		{"exp is a string", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["exp"] = "1900000000" })), ErrMalformed},
		{"exp negative", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["exp"] = -1 })), ErrMalformed},
		{"exp beyond year 9999", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["exp"] = 1e300 })), ErrMalformed},
		{"aud is a number", sign(t, "RS256", kidRSA, rsaA, with(func(c map[string]any) { c["aud"] = 5 })), ErrMalformed},
		{"oversized (validly signed)", sign(t, "RS256", kidRSA, rsaA, oversized), ErrMalformed},
		{"oversized garbage", strings.Repeat("a.", MaxTokenSize), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.token)
			if c != nil {
				t.Errorf("claims returned with error: %+v", c)
			}
			checkSentinel(t, err, tc.want)
			// Messages must be safe to show the caller: nothing from the token.
			for _, leak := range []string{"evil.example", "billing-service", "user-42", "rsa-unknown", "PS256", "HS256", "admin", "1900000000"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q leaks token content %q", err, leak)
				}
			}
		})
	}
}

func TestVerifyKeySourceFailure(t *testing.T) {
	testKeys(t)
	cause := errors.New(internalCause)
	v := newTestVerifier(t, failingKeys{cause})
	_, err := v.Verify(context.Background(), sign(t, "RS256", kidRSA, rsaA, goodClaims()))
	checkSentinel(t, err, ErrKeysUnavailable)
	if !errors.Is(err, cause) {
		t.Errorf("cause not reachable for logs: %v", err)
	}
	if strings.Contains(err.Error(), "10.1.2.3") {
		t.Errorf("message %q exposes the internal cause", err)
	}
}

func TestVerifyRejectsUnusableStaticKeys(t *testing.T) {
	testKeys(t)
	v := newTestVerifier(t, StaticKeys{
		"wrong-type": struct{}{},
		"rsa-nil-n":  &rsa.PublicKey{E: 65537},
		"rsa-small":  &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537},
		"ec-nil-xy":  &ecdsa.PublicKey{Curve: elliptic.P256()},
		"ec-p384":    &ecdsa.PublicKey{Curve: elliptic.P384()},
		"nil":        nil,
	})
	for _, tc := range []struct{ kid, alg string }{
		{"wrong-type", "RS256"}, {"wrong-type", "ES256"},
		{"rsa-nil-n", "RS256"}, {"rsa-small", "RS256"},
		{"ec-nil-xy", "ES256"}, {"ec-p384", "ES256"},
	} {
		tok := signRaw(t, tc.alg, map[string]any{"RS256": rsaA, "ES256": ecA}[tc.alg],
			mustJSON(t, map[string]string{"alg": tc.alg, "kid": tc.kid}), mustJSON(t, goodClaims()))
		_, err := v.Verify(context.Background(), tok)
		checkSentinel(t, err, ErrBadSignature)
	}
	_, err := v.Verify(context.Background(), sign(t, "RS256", "nil", rsaA, goodClaims()))
	checkSentinel(t, err, ErrUnknownKey)
}

func TestNewVerifierRequiresConfiguration(t *testing.T) {
	keys := StaticKeys{}
	for _, tc := range []struct {
		iss, aud string
		keys     KeySource
	}{
		{"", testAudience, keys},
		{testIssuer, "", keys},
		{testIssuer, testAudience, nil},
	} {
		if _, err := NewVerifier(tc.iss, tc.aud, tc.keys); err == nil {
			t.Errorf("NewVerifier(%q, %q, %v) succeeded", tc.iss, tc.aud, tc.keys)
		}
	}
	v, err := NewVerifier(testIssuer, testAudience, keys)
	if err != nil {
		t.Fatal(err)
	}
	if v.leeway != DefaultLeeway {
		t.Errorf("default leeway = %v, want %v", v.leeway, DefaultLeeway)
	}
}

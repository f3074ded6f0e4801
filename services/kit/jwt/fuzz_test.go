package jwt

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzVerify holds Verify to never panicking, whatever the token, and to
// reporting every failure as exactly one sentinel error.
func FuzzVerify(f *testing.F) {
	testKeys(f)
	keys := StaticKeys{kidRSA: &rsaA.PublicKey, kidEC: &ecA.PublicKey}
	v := newTestVerifier(f, keys)

	rs := sign(f, "RS256", kidRSA, rsaA, goodClaims())
	es := sign(f, "ES256", kidEC, ecA, goodClaims())
	seeds := []string{
		rs, es, "", ".", "..", "...", "a.b.c",
		sign(f, "ES256-ASN1", kidEC, ecA, goodClaims()),
		signRaw(f, "none", nil, []byte(`{"alg":"none","kid":"rsa-1"}`), []byte(`{}`)),
		signRaw(f, "ES256", ecA, []byte(`{"alg":"ES256","kid":"ec-1"}`), []byte(`{"exp":1e999,"aud":[1]}`)),
		signRaw(f, "ES256", ecA, []byte(`{"alg":"ES256","kid":"ec-1"}`), []byte(`{"exp":-0.5,"nbf":"x"}`)),
		signRaw(f, "ES256", ecA, []byte(`{"alg":"ES256","kid":"ec-1"}`), []byte(`{"aud":null,"exp":null,"sub":null}`)),
		b64.EncodeToString([]byte(`{"alg":"RS256","kid":"rsa-1","crit":null}`)) + ".e30.AA",
		strings.Repeat("A", MaxTokenSize+1),
	}
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err == nil {
			// Anything accepted must satisfy every rule.
			if c == nil || c.Subject == "" || c.Issuer != testIssuer || c.ExpiresAt.IsZero() {
				t.Fatalf("accepted token with claims %+v", c)
			}
			return
		}
		if c != nil {
			t.Fatalf("claims returned with error %v", err)
		}
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %v matches %d sentinels", err, n)
		}
	})
}

// FuzzVerifySignedClaims reaches the claims checks, which FuzzVerify rarely
// can (it would have to forge a signature): it signs arbitrary payloads with
// a trusted key and holds Verify to the same rules.
func FuzzVerifySignedClaims(f *testing.F) {
	testKeys(f)
	v := newTestVerifier(f, StaticKeys{kidEC: &ecA.PublicKey})
	f.Add(string(mustJSON(f, goodClaims())))
	for _, s := range []string{`{}`, `null`, `{"exp":1e308}`, `{"aud":[null]}`, `{"exp":"1"}`, `{"nbf":-1e-9}`, ` {"sub":"x"} `} {
		f.Add(s)
	}
	hdr := []byte(`{"alg":"ES256","kid":"ec-1"}`)
	f.Fuzz(func(t *testing.T, payload string) {
		if len(payload) > MaxTokenSize {
			return
		}
		c, err := v.Verify(context.Background(), signRaw(t, "ES256", ecA, hdr, []byte(payload)))
		if err == nil {
			if c == nil || c.Subject == "" || c.Issuer != testIssuer || c.ExpiresAt.IsZero() || !c.ExpiresAt.After(testNow.Add(-DefaultLeeway)) {
				t.Fatalf("accepted claims %+v", c)
			}
			return
		}
		if errors.Is(err, ErrBadSignature) || errors.Is(err, ErrUnknownKey) {
			t.Fatalf("validly signed token rejected as %v", err)
		}
	})
}

package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const builtinIssuer = "https://goldenthread.local"

func TestLoadOrCreateIssuer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "auth") // does not exist yet
	first, err := LoadOrCreateIssuer(dir, builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, IssuerKeyFile)
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("key file mode = %v, want 0600", mode)
		}
		di, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if mode := di.Mode().Perm(); mode != 0o700 {
			t.Errorf("key directory mode = %v, want 0700", mode)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}
	if first.Name() != builtinIssuer {
		t.Errorf("Name = %q", first.Name())
	}

	// Sign + Verify round trip through the issuer's own key source.
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	in := Claims{
		Subject:   "person-7",
		Audience:  []string{"goldenthread-api", "other"},
		ExpiresAt: exp,
		NotBefore: exp.Add(-2 * time.Hour),
		Email:     "grace@example.test",
	}
	tok, err := first.Sign(in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(builtinIssuer, "goldenthread-api", first.Keys())
	if err != nil {
		t.Fatal(err)
	}
	out, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if out.IssuedAt.IsZero() || time.Since(out.IssuedAt) > time.Minute {
		t.Errorf("IssuedAt = %v, want about now", out.IssuedAt)
	}
	in.Issuer, in.IssuedAt = builtinIssuer, out.IssuedAt
	if !reflect.DeepEqual(*out, normalise(in)) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *out, normalise(in))
	}

	// The header names the thumbprint kid and ES256.
	var hdr map[string]string
	raw, _ := b64.DecodeString(strings.Split(tok, ".")[0])
	if err := json.Unmarshal(raw, &hdr); err != nil {
		t.Fatal(err)
	}
	kid, _ := kidOf(&first.key.PublicKey)
	if hdr["alg"] != "ES256" || hdr["kid"] != kid || first.KeyID() != kid {
		t.Errorf("header = %v, want ES256 with kid %s", hdr, kid)
	}

	// A second load (a restart) finds the same key: old tokens still verify.
	second, err := LoadOrCreateIssuer(dir, builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if !second.key.Equal(first.key) {
		t.Fatal("second load generated a new key")
	}
	v2, err := NewVerifier(builtinIssuer, "goldenthread-api", second.Keys())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v2.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token from first issuer with second's keys: %v", err)
	}

	// A different issuer's keys do not verify it.
	other, err := LoadOrCreateIssuer(t.TempDir(), builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	v3, _ := NewVerifier(builtinIssuer, "goldenthread-api", other.Keys())
	_, err = v3.Verify(context.Background(), tok)
	checkSentinel(t, err, ErrUnknownKey)
}

// normalise makes c compare equal to parsed claims (UTC, whole seconds).
func normalise(c Claims) Claims {
	for _, p := range []*time.Time{&c.ExpiresAt, &c.NotBefore, &c.IssuedAt} {
		if !p.IsZero() {
			*p = time.Unix(p.Unix(), 0).UTC()
		}
	}
	return c
}

func TestIssuerJWKS(t *testing.T) {
	iss, err := LoadOrCreateIssuer(t.TempDir(), builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	data := iss.JWKS()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["use"] != "sig" || k["alg"] != "ES256" || k["kid"] != iss.KeyID() {
		t.Errorf("JWK = %v", k)
	}
	if _, ok := k["d"]; ok {
		t.Fatal("JWK Set contains the private key")
	}
	keys, err := parseJWKSet(data)
	if err != nil {
		t.Fatal(err)
	}
	if pub := keys[iss.KeyID()]; pub == nil || !iss.key.PublicKey.Equal(pub) {
		t.Errorf("published key does not match the signing key")
	}
	// JWKS returns a copy: callers cannot corrupt what is served.
	data[0] = 'X'
	if iss.JWKS()[0] != '{' {
		t.Error("JWKS returned internal buffer")
	}
}

func TestIssuerSignRefusesBadClaims(t *testing.T) {
	iss, err := LoadOrCreateIssuer(t.TempDir(), builtinIssuer)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	for name, c := range map[string]Claims{
		"other issuer": {Issuer: "https://elsewhere.test", Subject: "s", ExpiresAt: exp},
		"no subject":   {ExpiresAt: exp},
		"no expiry":    {Subject: "s"},
	} {
		if tok, err := iss.Sign(c); err == nil {
			t.Errorf("%s: Sign succeeded: %s", name, tok)
		}
	}
}

func TestLoadOrCreateIssuerExistingKeys(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, data []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, IssuerKeyFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("SEC 1 key is loaded", func(t *testing.T) {
		iss, err := LoadOrCreateIssuer(write(t, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), builtinIssuer)
		if err != nil {
			t.Fatal(err)
		}
		if !iss.key.Equal(key) {
			t.Error("loaded a different key")
		}
	})
	for name, data := range map[string][]byte{
		"garbage":       []byte("not a key"),
		"P-384 key":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}),
		"public key":    pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}),
		"corrupt DER":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"empty file":    {},
		"truncated PEM": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: sec1})[:40],
	} {
		t.Run(name+" is refused, not replaced", func(t *testing.T) {
			dir := write(t, data)
			if _, err := LoadOrCreateIssuer(dir, builtinIssuer); err == nil {
				t.Fatal("LoadOrCreateIssuer succeeded")
			}
			after, _ := os.ReadFile(filepath.Join(dir, IssuerKeyFile))
			if string(after) != string(data) {
				t.Fatal("key file was overwritten")
			}
		})
	}
	if _, err := LoadOrCreateIssuer(t.TempDir(), ""); err == nil {
		t.Error("empty issuer name accepted")
	}
}

func TestLoadOrCreateIssuerConcurrentStart(t *testing.T) {
	// Processes starting together (simulated by goroutines) agree on one key.
	dir := t.TempDir()
	const n = 8
	issuers := make([]*Issuer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { issuers[i], errs[i] = LoadOrCreateIssuer(dir, builtinIssuer) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if issuers[i].KeyID() != issuers[0].KeyID() {
			t.Fatalf("issuer %d has kid %s, issuer 0 has %s", i, issuers[i].KeyID(), issuers[0].KeyID())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %d entries", len(entries))
	}
}

package jwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// IssuerKeyFile is the name of the file, inside the directory given to
// LoadOrCreateIssuer, that holds the built-in issuer's private key.
const IssuerKeyFile = "issuer-key.pem"

// An Issuer mints ES256 tokens for the embedded single-process default, where
// there is no external identity provider. Its key lives on disk so that
// tokens stay valid across restarts, and it exposes its public key both as a
// KeySource and as a JWK Set, so tokens it signs go through exactly the same
// Verifier as tokens from a real OpenID Connect issuer.
type Issuer struct {
	name   string
	key    *ecdsa.PrivateKey
	kid    string
	jwks   []byte
	keys   StaticKeys
	signer jose.Signer
}

// LoadOrCreateIssuer returns the issuer named issuer (the iss of the tokens
// it signs) whose ECDSA P-256 private key is kept in dir/issuer-key.pem.
// The key is loaded if the file exists; otherwise a new key is generated and
// written with mode 0600, creating dir with mode 0700 if needed, because
// anyone who can read the key can mint tokens. Creation is atomic: two
// processes starting together end up with the same key.
func LoadOrCreateIssuer(dir, issuer string) (*Issuer, error) {
	if issuer == "" {
		return nil, errors.New("jwt: issuer name is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("jwt: creating issuer key directory: %w", err)
	}
	path := filepath.Join(dir, IssuerKeyFile)
	key, err := loadKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(dir, path)
	}
	if err != nil {
		return nil, err
	}
	return newIssuer(issuer, key)
}

// newIssuer derives the kid, the published key set and the signer from
// key.
func newIssuer(name string, key *ecdsa.PrivateKey) (*Issuer, error) {
	kid, err := kidOf(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Use: "sig", Algorithm: string(jose.ES256)}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	if err != nil {
		return nil, fmt.Errorf("jwt: encoding JWK Set: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: lowS{key: key, pub: pub}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("jwt: signer: %w", err)
	}
	return &Issuer{
		name:   name,
		key:    key,
		kid:    kid,
		jwks:   set,
		keys:   StaticKeys{kid: &key.PublicKey},
		signer: signer,
	}, nil
}

// lowS is a go-jose signer of ES256 signatures in the low-S form, the only
// form Verify accepts: go-jose (like crypto/ecdsa) leaves S as it comes,
// and either of S and N-S verifies.
type lowS struct {
	key *ecdsa.PrivateKey
	pub jose.JSONWebKey
}

// Public implements jose.OpaqueSigner.
func (l lowS) Public() *jose.JSONWebKey { return &l.pub }

// Algs implements jose.OpaqueSigner.
func (l lowS) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.ES256} }

// SignPayload implements jose.OpaqueSigner: R||S (RFC 7518 §3.4) with S
// no more than half the curve's order.
func (l lowS) SignPayload(payload []byte, _ jose.SignatureAlgorithm) ([]byte, error) {
	digest := sha256.Sum256(payload)
	r, s, err := ecdsa.Sign(rand.Reader, l.key, digest[:])
	if err != nil {
		return nil, err
	}
	if s.Cmp(p256HalfOrder) > 0 {
		s.Sub(elliptic.P256().Params().N, s)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

// loadKey reads a PEM private key (PKCS#8 or SEC 1) and requires P-256.
func loadKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("jwt: %s: no PEM block", path)
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("jwt: %s: unexpected PEM block %q", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("jwt: %s: parsing private key: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("jwt: %s: not an ECDSA P-256 private key", path)
	}
	return key, nil
}

// createKey generates a key and publishes it at path without ever exposing a
// partly written file: it writes a 0600 temporary file and hard-links it into
// place, which fails if another process got there first, in which case that
// process's key is loaded instead.
func createKey(dir, path string) (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwt: generating issuer key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("jwt: encoding issuer key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".issuer-key-*.tmp") // created with mode 0600
	if err != nil {
		return nil, fmt.Errorf("jwt: writing issuer key: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		err = pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("jwt: writing issuer key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path)
		}
		return nil, fmt.Errorf("jwt: writing issuer key: %w", err)
	}
	return key, nil
}

// Name returns the issuer string, for configuring the Verifier that checks
// this issuer's tokens and for the issuer field of a discovery document.
func (i *Issuer) Name() string { return i.name }

// KeyID returns the kid of the issuer's key: its RFC 7638 JWK thumbprint,
// which anyone holding the public key can recompute.
func (i *Issuer) KeyID() string { return i.kid }

// Keys returns the issuer's public key as a KeySource, so that a Verifier
// in the same process needs no HTTP round trip.
func (i *Issuer) Keys() KeySource { return i.keys }

// JWKS returns the issuer's public JWK Set as JSON, suitable for serving at
// /.well-known/jwks.json so that other processes can verify its tokens
// through a JWKS key source. It never contains private key material.
func (i *Issuer) JWKS() []byte { return append([]byte(nil), i.jwks...) }

// Sign returns an ES256 JWT carrying c. An empty c.Issuer is filled with the
// issuer's name and a different one is refused, so this issuer cannot mint
// tokens that claim to come from elsewhere. A zero IssuedAt is set to now.
// Subject and ExpiresAt are required because Verify rejects tokens without
// them; failing here surfaces the mistake where it is made.
func (i *Issuer) Sign(c Claims) (string, error) {
	switch {
	case c.Issuer == "":
		c.Issuer = i.name
	case c.Issuer != i.name:
		return "", errors.New("jwt: claims name a different issuer")
	}
	if c.Subject == "" {
		return "", errors.New("jwt: claims need a subject")
	}
	if c.ExpiresAt.IsZero() {
		return "", errors.New("jwt: claims need an expiry")
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = time.Now()
	}
	payload, err := marshalClaims(c)
	if err != nil {
		return "", fmt.Errorf("jwt: encoding claims: %w", err)
	}
	jws, err := i.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("jwt: signing: %w", err)
	}
	return jws.CompactSerialize()
}

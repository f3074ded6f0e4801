package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
)

// The built-in issuer signs JWTs for the embedded default, with a key kept
// in the data directory: whoever can read the data directory can sign in as
// anyone, as whoever can read a database can read its data.
const (
	builtinIssuer = "goldenthread-embedded"
	builtinAdmin  = "admin"
)

// builtinIssuerDir is where the built-in issuer keeps its key.
func builtinIssuerDir(dataDir string) string { return filepath.Join(dataDir, "issuer") }

// mintToken is the `goldenthread token` command: it prints a JWT from the
// built-in issuer for a subject — a person's external_subject, or "admin"
// for a platform admin.
func mintToken(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("goldenthread token", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./data", "data directory of the all-in-one whose built-in issuer signs the token")
	subject := fs.String("subject", builtinAdmin, "the token's subject: a person's external_subject, or a platform admin's")
	audience := fs.String("audience", "goldenthread", "the token's audience")
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	if err := config.Parse(fs, args, "GT"); err != nil {
		return err
	}
	if *ttl <= 0 {
		return fmt.Errorf("-ttl must be positive")
	}
	iss, err := jwt.LoadOrCreateIssuer(builtinIssuerDir(*dataDir), builtinIssuer)
	if err != nil {
		return err
	}
	tok, err := iss.Sign(jwt.Claims{Subject: *subject, Audience: []string{*audience}, ExpiresAt: time.Now().Add(*ttl)})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

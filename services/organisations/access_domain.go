package organisations

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// An API token is gt_{id}.{secret}: the id finds the stored token, and only
// a SHA-256 hash of the secret is stored. The secret is 32 random bytes, so
// a fast hash is enough — nothing to brute-force as with passwords.

// newTokenSecret returns the bearer token of a new token with id, and the
// hash to store.
func newTokenSecret(id string) (bearer, hash string) {
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+).
	secret := base64.RawURLEncoding.EncodeToString(raw[:])
	return auth.APITokenPrefix + id + "." + secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// splitToken returns the id and secret of a bearer API token.
func splitToken(bearer string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(bearer, auth.APITokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, ".")
	return id, secret, ok && resourcename.ValidID(id) && secret != ""
}

// secretMatches compares in constant time, so that timing tells nothing
// about the stored hash.
func secretMatches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(hash)) == 1
}

// tokenName is the resource name of token id of the organisation orgID, or
// of a platform token when orgID is "".
func tokenName(orgID, id string) string {
	if orgID == "" {
		return "apiTokens/" + id
	}
	return "organisations/" + orgID + "/apiTokens/" + id
}

// parseTokenName returns the organisation ("" for a platform token) and id
// of a token's name.
func parseTokenName(field, name string) (orgID, id string, err error) {
	if ids, err := resourcename.Parse(name, "apiTokens"); err == nil {
		return "", ids[0], nil
	}
	ids, err := resourcename.Parse(name, "organisations", "apiTokens")
	if err != nil {
		return "", "", apierr.InvalidArgument(field, "must be organisations/{organisation}/apiTokens/{api_token} or apiTokens/{api_token}")
	}
	return ids[0], ids[1], nil
}

// parseTokenParent returns the organisation of a token parent, "" for the
// platform.
func parseTokenParent(parent string) (string, error) {
	if parent == "" {
		return "", nil
	}
	return resource.ParseOrganisation("parent", parent)
}

// checkTokenRole applies the role rules: organisation tokens need one,
// platform tokens have none (they act as platform admins).
func checkTokenRole(orgID string, role identitypb.Role) error {
	switch {
	case orgID != "" && role == identitypb.Role_ROLE_UNSPECIFIED:
		return apierr.InvalidArgument("api_token.role", "is required: ROLE_VIEWER, ROLE_CONTRIBUTOR, ROLE_PLANNER or ROLE_ADMIN")
	case orgID == "" && role != identitypb.Role_ROLE_UNSPECIFIED:
		return apierr.InvalidArgument("api_token.role", "must be unset: platform tokens act as platform admins")
	}
	return nil
}

package organisations

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"time"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// resolver is the organisations service's own auth.Resolver: it holds the
// people, their roles and the API tokens, so it answers from its database,
// at once — role changes and revocations take effect with the next call.
// Other services ask it through the identity API's CallerService.GetCaller.
type resolver struct {
	db             *sqldb.DB
	jwt            auth.JWTVerifier
	platformAdmins []string
	// recent holds principals resolved since the database last changed, on
	// SQLite only: there this process is the only writer, so a change made
	// anywhere shows in db.Writes. On PostgreSQL other replicas write too,
	// and every call is resolved afresh.
	recent *recentPrincipals
}

func newResolver(db *sqldb.DB, jwt auth.JWTVerifier, platformAdmins []string) *resolver {
	r := &resolver{db: db, jwt: jwt, platformAdmins: platformAdmins}
	if db.Dialect() == sqldb.SQLite {
		r.recent = &recentPrincipals{entries: map[[32]byte]recentPrincipal{}}
	}
	return r
}

// Resolve implements auth.Resolver.
func (r *resolver) Resolve(ctx context.Context, cred string) (*auth.Principal, error) {
	if r.recent == nil {
		p, _, err := r.resolve(ctx, cred)
		return p, err
	}
	key := sha256.Sum256([]byte(cred))
	// Read the write count before the data: a change committed meanwhile
	// makes the entry stale at once.
	writes := r.db.Writes()
	if p := r.recent.get(key, writes, time.Now()); p != nil {
		return p, nil
	}
	p, expires, err := r.resolve(ctx, cred)
	if err == nil {
		r.recent.put(key, recentPrincipal{p: p, writes: writes, until: expires})
	}
	return p, err
}

// resolve checks cred against the database and returns its principal and
// when the credential itself expires (zero: never).
func (r *resolver) resolve(ctx context.Context, cred string) (*auth.Principal, time.Time, error) {
	resolve := r.apiToken
	if auth.IsJWT(cred) {
		resolve = r.user
	}
	p, expires, err := resolve(ctx, cred)
	if err != nil || p.PlatformAdmin {
		return p, expires, err
	}
	return p, expires, addOwned(ctx, r.db, p)
}

// addOwned makes p a VIEWER of every live organisation that one where it
// has a role owns, unless it has a role there of its own: a council's
// people read the plan of the company the council owns. Ownership is not
// transitive; only p's own roles count.
func addOwned(ctx context.Context, q sqldb.Querier, p *auth.Principal) error {
	owned, err := ownedBy(ctx, q, p.Organisations())
	if err != nil {
		return err
	}
	p.Owners = map[string]string{}
	for id, owner := range owned {
		if p.Roles[id] == identitypb.Role_ROLE_UNSPECIFIED {
			p.Roles[id] = identitypb.Role_ROLE_VIEWER
			p.Owners[id] = owner
		}
	}
	return nil
}

// recentPrincipals caches resolved credentials for at most recentTTL, and
// only while the database is unchanged, so that a revocation or role change
// still takes effect with the next call; it saves the signature check and
// the queries on every call of a busy client. Expiry is checked on every
// call; a JWT whose signing key the issuer withdraws stays accepted for at
// most recentTTL.
type recentPrincipals struct {
	mu      sync.Mutex
	entries map[[32]byte]recentPrincipal
}

type recentPrincipal struct {
	p      *auth.Principal
	writes uint64    // db.Writes when it was resolved
	until  time.Time // the credential's own expiry, or zero
	added  time.Time
}

const (
	recentTTL        = time.Minute
	maxRecentEntries = 10000
)

func (c *recentPrincipals) get(key [32]byte, writes uint64, now time.Time) *auth.Principal {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.writes != writes || now.Sub(e.added) >= recentTTL || (!e.until.IsZero() && !now.Before(e.until)) {
		return nil
	}
	return e.p
}

func (c *recentPrincipals) put(key [32]byte, e recentPrincipal) {
	e.added = time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxRecentEntries {
		clear(c.entries)
	}
	c.entries[key] = e
}

// user resolves a JWT: a person, by the token's subject.
func (r *resolver) user(ctx context.Context, token string) (*auth.Principal, time.Time, error) {
	if r.jwt == nil {
		return nil, time.Time{}, auth.Unauthenticated(auth.ErrNoJWT.Error())
	}
	claims, err := r.jwt.Verify(ctx, token)
	if err != nil {
		return nil, time.Time{}, auth.Unauthenticated(err.Error())
	}
	roles, people, err := grantsOf(ctx, r.db, claims.Subject)
	if err != nil {
		return nil, time.Time{}, err
	}
	return &auth.Principal{Subject: "user:" + claims.Subject, Roles: roles, People: people,
		PlatformAdmin: slices.Contains(r.platformAdmins, claims.Subject)}, claims.ExpiresAt, nil
}

// apiToken resolves an API token: live, not expired, and its secret's hash
// matching the stored one.
func (r *resolver) apiToken(ctx context.Context, bearer string) (*auth.Principal, time.Time, error) {
	id, secret, ok := splitToken(bearer)
	if !ok {
		return nil, time.Time{}, auth.Unauthenticated("not a JWT or an API token")
	}
	t, err := getTokenByID(ctx, r.db, id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, time.Time{}, auth.Unauthenticated("unknown API token")
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	switch {
	case !secretMatches(secret, t.secretHash):
		return nil, time.Time{}, auth.Unauthenticated("unknown API token")
	case t.token.DeleteTime != nil:
		return nil, time.Time{}, auth.Unauthenticated("the API token was revoked")
	case t.token.ExpireTime != nil && !t.token.ExpireTime.AsTime().After(time.Now()):
		return nil, time.Time{}, auth.Unauthenticated("the API token has expired")
	}
	var expires time.Time
	if t.token.ExpireTime != nil {
		expires = t.token.ExpireTime.AsTime()
	}
	p := &auth.Principal{Subject: "token:" + t.token.Name, Roles: map[string]identitypb.Role{}}
	if t.orgID == "" {
		p.PlatformAdmin = true
		return p, expires, nil
	}
	org, err := organisationsTable.Get(ctx, r.db, t.orgID)
	if err != nil {
		return nil, time.Time{}, err
	}
	if org.Msg.DeleteTime == nil {
		p.Roles[t.orgID] = t.token.Role
	}
	return p, expires, nil
}

package organisations

import (
	"context"
	"errors"
	"slices"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// resolver is the organisations service's own auth.Resolver: it holds the
// people, their roles and the API tokens, so it answers from its database,
// at once — role changes and revocations take effect with the next call.
// Other services ask it through AccessService.GetCaller.
type resolver struct {
	db             *sqldb.DB
	jwt            auth.JWTVerifier
	platformAdmins []string
}

// Resolve implements auth.Resolver.
func (r *resolver) Resolve(ctx context.Context, cred string) (*auth.Principal, error) {
	if auth.IsJWT(cred) {
		return r.user(ctx, cred)
	}
	return r.apiToken(ctx, cred)
}

// user resolves a JWT: a person, by the token's subject.
func (r *resolver) user(ctx context.Context, token string) (*auth.Principal, error) {
	if r.jwt == nil {
		return nil, auth.Unauthenticated(auth.ErrNoJWT.Error())
	}
	claims, err := r.jwt.Verify(ctx, token)
	if err != nil {
		return nil, auth.Unauthenticated(err.Error())
	}
	roles, people, err := grantsOf(ctx, r.db, claims.Subject)
	if err != nil {
		return nil, err
	}
	return &auth.Principal{Subject: "user:" + claims.Subject, Roles: roles, People: people,
		PlatformAdmin: slices.Contains(r.platformAdmins, claims.Subject)}, nil
}

// apiToken resolves an API token: live, not expired, and its secret's hash
// matching the stored one.
func (r *resolver) apiToken(ctx context.Context, bearer string) (*auth.Principal, error) {
	id, secret, ok := splitToken(bearer)
	if !ok {
		return nil, auth.Unauthenticated("not a JWT or an API token")
	}
	t, err := getTokenByID(ctx, r.db, id)
	if errors.Is(err, errNotFound) {
		return nil, auth.Unauthenticated("unknown API token")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case !secretMatches(secret, t.secretHash):
		return nil, auth.Unauthenticated("unknown API token")
	case t.token.DeleteTime != nil:
		return nil, auth.Unauthenticated("the API token was revoked")
	case t.token.ExpireTime != nil && !t.token.ExpireTime.AsTime().After(time.Now()):
		return nil, auth.Unauthenticated("the API token has expired")
	}
	p := &auth.Principal{Subject: "token:" + t.token.Name, Roles: map[string]pb.Role{}}
	if t.orgID == "" {
		p.PlatformAdmin = true
		return p, nil
	}
	org, err := getOrganisation(ctx, r.db, t.orgID)
	if err != nil {
		return nil, err
	}
	if org.org.DeleteTime == nil {
		p.Roles[t.orgID] = t.token.Role
	}
	return p, nil
}

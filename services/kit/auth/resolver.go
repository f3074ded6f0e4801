package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
)

// Resolver turns a credential into its principal. Its errors are gRPC
// statuses: UNAUTHENTICATED for a credential that is not valid, UNAVAILABLE
// when what it needs to decide cannot be reached.
type Resolver interface {
	Resolve(ctx context.Context, credential string) (*Principal, error)
}

// JWTVerifier checks a JWT's signature and claims.
type JWTVerifier interface {
	Verify(ctx context.Context, token string) (*jwt.Claims, error)
}

// IsJWT tells a JWT (three dot-separated parts) from an API token.
func IsJWT(cred string) bool {
	return !strings.HasPrefix(cred, APITokenPrefix) && strings.Count(cred, ".") == 2
}

// Unauthenticated is the error for a credential that is not valid; reason
// says why in words safe to show the caller.
func Unauthenticated(reason string) error {
	return status.Error(codes.Unauthenticated, "invalid credentials: "+reason)
}

// Caching of resolved credentials by Remote: role changes and revocations
// reach other services within CacheTTL.
const (
	CacheTTL        = 30 * time.Second
	negativeTTL     = 5 * time.Second
	maxCacheEntries = 10000
	lookupTimeout   = 5 * time.Second
)

// Remote resolves credentials by asking the organisations service
// (CallerService.GetCaller, with the caller's own credential), caching each
// answer for CacheTTL. It checks JWTs itself first, when given a verifier,
// so that forged tokens never cost a call.
type Remote struct {
	jwt     JWTVerifier
	callers identitypb.CallerServiceClient

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	p       *Principal
	err     error
	expires time.Time
}

// NewRemote returns a Remote; verifier may be nil.
func NewRemote(verifier JWTVerifier, callers identitypb.CallerServiceClient) *Remote {
	return &Remote{jwt: verifier, callers: callers, cache: map[[32]byte]cached{}}
}

// Forget drops every cached answer, so that the next call of each caller
// asks again: the organisations service published a change (a role, an
// owner, a revoked token) that may change what callers may do.
func (r *Remote) Forget() {
	r.mu.Lock()
	clear(r.cache)
	r.mu.Unlock()
}

// Resolve implements Resolver.
func (r *Remote) Resolve(ctx context.Context, cred string) (*Principal, error) {
	key := sha256.Sum256([]byte(cred))
	now := time.Now()
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.p, c.err
	}
	p, err := r.resolve(ctx, cred)
	ttl := CacheTTL
	switch {
	case status.Code(err) == codes.Unauthenticated:
		ttl = negativeTTL
	case err != nil:
		return nil, err // unreachable: ask again next time
	}
	r.mu.Lock()
	if len(r.cache) >= maxCacheEntries {
		clear(r.cache)
	}
	r.cache[key] = cached{p: p, err: err, expires: now.Add(ttl)}
	r.mu.Unlock()
	return p, err
}

func (r *Remote) resolve(ctx context.Context, cred string) (*Principal, error) {
	if r.jwt != nil && IsJWT(cred) {
		if _, err := r.jwt.Verify(ctx, cred); err != nil {
			return nil, Unauthenticated(err.Error())
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
	defer cancel()
	caller, err := r.callers.GetCaller(WithCredential(ctx, cred), &identitypb.GetCallerRequest{})
	switch status.Code(err) {
	case codes.OK:
		return PrincipalOf(caller), nil
	case codes.Unauthenticated:
		return nil, err
	case codes.Unavailable, codes.DeadlineExceeded:
		return nil, apierr.Unavailable("the organisations service, needed to check the caller's credentials,")
	}
	return nil, fmt.Errorf("resolve caller: %w", err)
}

// PrincipalOf turns the organisations service's answer into a Principal.
func PrincipalOf(c *identitypb.Caller) *Principal {
	p := &Principal{Subject: c.Subject, PlatformAdmin: c.PlatformAdmin, Roles: map[string]identitypb.Role{},
		People: map[string]string{}, Owners: map[string]string{}}
	for _, g := range c.Grants {
		if id := orgIDOf(g.Organisation); id != "" {
			p.Roles[id] = g.Role
			if g.Person != "" {
				p.People[id] = g.Person
			}
			if owner := orgIDOf(g.ThroughOwner); owner != "" {
				p.Owners[id] = owner
			}
		}
	}
	return p
}

// CallerOf is PrincipalOf reversed: the answer GetCaller gives.
func CallerOf(p *Principal) *identitypb.Caller {
	c := &identitypb.Caller{Subject: p.Subject, PlatformAdmin: p.PlatformAdmin}
	for _, id := range p.Organisations() {
		g := &identitypb.Grant{Organisation: "organisations/" + id, Role: p.Roles[id], Person: p.People[id]}
		if owner := p.Owners[id]; owner != "" {
			g.ThroughOwner = "organisations/" + owner
		}
		c.Grants = append(c.Grants, g)
	}
	return c
}

// ErrNoJWT is returned for a JWT when the service accepts none.
var ErrNoJWT = errors.New("this deployment accepts no JWTs; use an API token")

// CallerServer answers CallerService.GetCaller from the principal the
// authorisation interceptor put in the context. The organisations service,
// whose resolver reads people and API tokens, serves it.
type CallerServer struct {
	identitypb.UnimplementedCallerServiceServer
}

// GetCaller implements identitypb.CallerServiceServer.
func (CallerServer) GetCaller(ctx context.Context, _ *identitypb.GetCallerRequest) (*identitypb.Caller, error) {
	return CallerOf(FromContext(ctx)), nil
}

// Package auth authenticates every call a service receives and checks that
// the caller may make it, in the service itself — not only at the gateway,
// since internal systems call the services directly.
//
// A call carries `authorization: Bearer <credential>`: a JWT (from the
// identity provider, or the embedded default's built-in issuer) or an API
// token (`gt_...`). A Resolver turns the credential into a Principal: a
// subject, whether it is a platform admin, and its role in each
// organisation. A Policy says, per method, what role the caller needs in the
// organisation the request names. A caller without any role there is told
// the resource is NOT_FOUND, so nobody learns what other organisations hold.
package auth

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc/metadata"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/secretfile"
)

// Principal is an authenticated caller.
type Principal struct {
	// Subject is recorded as the actor of the caller's changes: user:{sub}
	// or token:{api token name}.
	Subject string
	// PlatformAdmin callers create organisations and act as ADMIN in all.
	PlatformAdmin bool
	// Roles maps organisation ids to the caller's role there.
	Roles map[string]identitypb.Role
	// People maps organisation ids to the caller's person there
	// (organisations/{o}/people/{p}); API tokens have none.
	People map[string]string
	// Owners maps the ids of the organisations the caller reads only as
	// their owner's member (a VIEWER through ownership) to that owner's id.
	Owners map[string]string
}

// ThroughOwner reports whether the caller's role in the organisation with
// id orgID comes only from a role in an organisation that owns it: such a
// caller reads the plan but not the people's contact details.
func (p *Principal) ThroughOwner(orgID string) bool {
	return !p.PlatformAdmin && p.Owners[orgID] != ""
}

// RoleIn is the caller's role in the organisation with id orgID.
func (p *Principal) RoleIn(orgID string) identitypb.Role {
	if p.PlatformAdmin {
		return identitypb.Role_ROLE_ADMIN
	}
	return p.Roles[orgID]
}

// Reads reports whether the caller has a role, and so may read, in the
// organisation with id orgID.
func (p *Principal) Reads(orgID string) bool {
	return p != nil && p.RoleIn(orgID) != identitypb.Role_ROLE_UNSPECIFIED
}

// Organisations lists, sorted, the ids of the organisations where the
// caller has a role.
func (p *Principal) Organisations() []string {
	ids := make([]string, 0, len(p.Roles))
	for id, r := range p.Roles {
		if r != identitypb.Role_ROLE_UNSPECIFIED {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the call ctx belongs to, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Actor is the subject to record on a change made in ctx: the caller's, or
// system:{service} for work no caller asked for (reactions to events).
func Actor(ctx context.Context, service string) string {
	if p := FromContext(ctx); p != nil {
		return p.Subject
	}
	return "system:" + service
}

// MetadataKey is the gRPC metadata key of the credential.
const MetadataKey = "authorization"

// APITokenPrefix starts every API token, telling it apart from a JWT.
const APITokenPrefix = "gt_"

// Credential returns the bearer credential of an incoming call, or "".
func Credential(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get(MetadataKey) {
		if scheme, cred, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
			return strings.TrimSpace(cred)
		}
	}
	return ""
}

// WithCredential returns ctx whose outgoing calls carry cred.
func WithCredential(ctx context.Context, cred string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, "Bearer "+cred)
}

// WriteTokenFile saves a bearer token for its owner only (0600), replacing
// any older file atomically.
func WriteTokenFile(path, token string) error { return secretfile.Write(path, token) }

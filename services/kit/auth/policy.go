package auth

import (
	"context"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	grpcauth "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Rule is what a method asks of its caller.
type Rule struct {
	// Role is the least role the caller needs in the organisation the
	// request names. A request that names no organisation (a platform
	// token, say) needs a platform admin.
	Role identitypb.Role
	// Platform methods are for platform admins only.
	Platform bool
	// AnyCaller methods are open to every authenticated caller; the handler
	// narrows what it returns (ListOrganisations lists the caller's own).
	AnyCaller bool
	// Public methods need no credential, and take none: the handler
	// answers only what its organisation has made public (a published
	// plan), the same to everyone.
	Public bool
	// From, when set, is the request field (a dotted path to a string)
	// naming the resource whose organisation Role applies to, instead of
	// the request's name or parent: a link request is filed in the
	// organisation asked, by a planner of the organisation asking.
	From string
}

// In returns r applied to the organisation of the resource the request
// field at path names (see Rule.From).
func (r Rule) In(path string) Rule {
	r.From = path
	return r
}

// The rules the services use.
var (
	Viewer      = Rule{Role: identitypb.Role_ROLE_VIEWER}
	Contributor = Rule{Role: identitypb.Role_ROLE_CONTRIBUTOR}
	Planner     = Rule{Role: identitypb.Role_ROLE_PLANNER}
	Admin       = Rule{Role: identitypb.Role_ROLE_ADMIN}
	Platform    = Rule{Platform: true}
	AnyCaller   = Rule{AnyCaller: true}
	Public      = Rule{Public: true}
)

// Policy maps full gRPC method names (/package.Service/Method) to rules. A
// method missing from the policy is refused: forgetting a rule must not
// open a method.
type Policy map[string]Rule

// Merge returns the union of policies.
func Merge(policies ...Policy) Policy {
	out := Policy{}
	for _, p := range policies {
		for m, r := range p {
			out[m] = r
		}
	}
	return out
}

// open reports methods that need no credentials: health checks and server
// reflection, which say nothing about anyone's data.
func open(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") || strings.HasPrefix(method, "/grpc.reflection.")
}

// Authenticate rejects calls without valid credentials (UNAUTHENTICATED)
// and puts the caller's principal in the context of the others. The public
// methods of policy take no credential: they run with no principal. It is
// go-grpc-middleware's auth interceptor, behind its selector for the
// methods that need a credential.
func Authenticate(r Resolver, policy Policy) grpc.UnaryServerInterceptor {
	needed := selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool {
		return !open(c.FullMethod()) && !policy[c.FullMethod()].Public
	})
	return selector.UnaryServerInterceptor(grpcauth.UnaryServerInterceptor(func(ctx context.Context) (context.Context, error) {
		return authenticate(ctx, r)
	}), needed)
}

// StreamAuthenticate is Authenticate for streaming calls. No service has
// streaming methods of its own yet, so any that is not open is refused.
func StreamAuthenticate() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if open(info.FullMethod) {
			return handler(srv, ss)
		}
		return status.Error(codes.PermissionDenied, "no access rule for "+info.FullMethod)
	}
}

func authenticate(ctx context.Context, r Resolver) (context.Context, error) {
	cred := Credential(ctx)
	if cred == "" {
		return ctx, status.Error(codes.Unauthenticated, "missing credentials: send authorization: Bearer <token>")
	}
	p, err := r.Resolve(ctx, cred)
	if err != nil {
		return ctx, err
	}
	return NewContext(ctx, p), nil
}

// Authorize checks each call against policy. It runs after validation, so
// the resource names it reads are well formed.
func Authorize(policy Policy) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if open(info.FullMethod) {
			return handler(ctx, req)
		}
		rule, ok := policy[info.FullMethod]
		if !ok {
			return nil, status.Error(codes.PermissionDenied, "no access rule for "+info.FullMethod)
		}
		if rule.Public {
			return handler(ctx, req)
		}
		msg, _ := req.(proto.Message)
		if err := Check(FromContext(ctx), rule, msg); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Check applies rule to principal p making request req.
func Check(p *Principal, rule Rule, req proto.Message) error {
	if p == nil {
		return status.Error(codes.Unauthenticated, "missing credentials")
	}
	switch {
	case rule.AnyCaller || p.PlatformAdmin:
		return nil
	case rule.Platform:
		return status.Error(codes.PermissionDenied, "only platform admins may do this")
	}
	orgID, name := organisationOf(req)
	if rule.From != "" {
		name = fieldString(req, rule.From)
		orgID = orgIDOf(name)
	}
	if orgID == "" {
		return status.Error(codes.PermissionDenied, "only platform admins may do this")
	}
	have := p.RoleIn(orgID)
	if have == identitypb.Role_ROLE_UNSPECIFIED {
		// Do not reveal that the organisation or its resources exist.
		return apierr.NotFound(name)
	}
	if have < rule.Role {
		return status.Errorf(codes.PermissionDenied, "this needs %s in organisations/%s; the caller is %s", rule.Role, orgID, have)
	}
	return nil
}

// organisationOf finds the organisation a request is about: the first of its
// name, parent, or the name of the resource it carries (an update's), and
// returns the organisation id with the name it was read from.
func organisationOf(req proto.Message) (orgID, name string) {
	if req == nil {
		return "", ""
	}
	m := req.ProtoReflect()
	fields := m.Descriptor().Fields()
	for _, f := range []string{"name", "parent"} {
		if fd := fields.ByName(protoreflect.Name(f)); fd != nil && fd.Kind() == protoreflect.StringKind {
			if v := m.Get(fd).String(); v != "" {
				return orgIDOf(v), v
			}
		}
	}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() || !m.Has(fd) {
			continue
		}
		if nfd := fd.Message().Fields().ByName("name"); nfd != nil && nfd.Kind() == protoreflect.StringKind {
			if v := m.Get(fd).Message().Get(nfd).String(); v != "" {
				return orgIDOf(v), v
			}
		}
	}
	return "", ""
}

// fieldString is the string at the dotted field path in req, or "".
func fieldString(req proto.Message, path string) string {
	if req == nil {
		return ""
	}
	m := req.ProtoReflect()
	names := strings.Split(path, ".")
	for i, n := range names {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(n))
		switch {
		case fd == nil || fd.IsList() || fd.IsMap():
			return ""
		case i == len(names)-1:
			if fd.Kind() != protoreflect.StringKind {
				return ""
			}
			return m.Get(fd).String()
		case fd.Kind() != protoreflect.MessageKind || !m.Has(fd):
			return ""
		}
		m = m.Get(fd).Message()
	}
	return ""
}

func orgIDOf(name string) string {
	rest, ok := strings.CutPrefix(name, "organisations/")
	if !ok {
		return ""
	}
	// A revision's name ends in @{revision_id}: organisations/o@7.
	id, _, _ := strings.Cut(rest, "/")
	id, _, _ = strings.Cut(id, "@")
	return id
}

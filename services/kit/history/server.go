package history

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Policy says what HistoryService asks of its caller: viewers read a
// resource's revisions, planners the organisation's change log; a
// rollback asks besides what the resource's own Update asks.
var Policy = auth.Policy{
	"/goldenthread.history.v1.HistoryService/ListRevisions":    auth.Viewer,
	"/goldenthread.history.v1.HistoryService/GetRevision":      auth.Viewer,
	"/goldenthread.history.v1.HistoryService/RollbackRevision": auth.Contributor,
	"/goldenthread.history.v1.HistoryService/ListChanges":      auth.Planner,
}

// Source answers HistoryService's reads: one service's database (Part),
// or a service reached over gRPC (a HistoryServiceClient).
type Source interface {
	ListRevisions(ctx context.Context, in *historypb.ListRevisionsRequest, opts ...grpc.CallOption) (*historypb.ListRevisionsResponse, error)
	GetRevision(ctx context.Context, in *historypb.GetRevisionRequest, opts ...grpc.CallOption) (*historypb.Revision, error)
	ListChanges(ctx context.Context, in *historypb.ListChangesRequest, opts ...grpc.CallOption) (*historypb.ListChangesResponse, error)
}

// Part is the history one service keeps in its database.
type Part struct{ DB *sqldb.DB }

// ListRevisions implements Source.
func (p Part) ListRevisions(ctx context.Context, req *historypb.ListRevisionsRequest, _ ...grpc.CallOption) (*historypb.ListRevisionsResponse, error) {
	limit := pageSize(req.GetPageSize())
	rows, err := selectRevisions(ctx, p.DB, []string{"r.resource = ?"}, []any{req.GetName()}, req.GetPageToken(), limit)
	if err != nil {
		return nil, err
	}
	revs, next, err := page(rows, limit)
	return &historypb.ListRevisionsResponse{Revisions: revs, NextPageToken: next}, err
}

// GetRevision implements Source.
func (p Part) GetRevision(ctx context.Context, req *historypb.GetRevisionRequest, _ ...grpc.CallOption) (*historypb.Revision, error) {
	name, id, err := parseRevisionName(req.GetName())
	if err != nil {
		return nil, err
	}
	r, err := revisionOf(ctx, p.DB, name, id)
	if err != nil {
		return nil, err
	}
	return r.revision()
}

// ListChanges implements Source.
func (p Part) ListChanges(ctx context.Context, req *historypb.ListChangesRequest, _ ...grpc.CallOption) (*historypb.ListChangesResponse, error) {
	where, args := []string{"r.organisation_id = ?"}, []any{organisationOf(req.GetParent())}
	if req.GetActor() != "" {
		where, args = append(where, "r.actor = ?"), append(args, req.GetActor())
	}
	if req.GetResourceType() != "" {
		where, args = append(where, "r.resource_type = ?"), append(args, req.GetResourceType())
	}
	if req.StartTime != nil {
		where, args = append(where, "r.create_time >= ?"), append(args, req.GetStartTime().AsTime().UnixMicro())
	}
	if req.EndTime != nil {
		where, args = append(where, "r.create_time < ?"), append(args, req.GetEndTime().AsTime().UnixMicro())
	}
	limit := pageSize(req.GetPageSize())
	rows, err := selectRevisions(ctx, p.DB, where, args, req.GetPageToken(), limit)
	if err != nil {
		return nil, err
	}
	revs, next, err := page(rows, limit)
	return &historypb.ListChangesResponse{Revisions: revs, NextPageToken: next}, err
}

// Sources answer HistoryService's reads together: a resource's revisions
// are in one of them, an organisation's change log in all of them, merged
// newest first. Each is asked for a whole page from the same token (every
// source orders revisions by the same key, and a token is a key), so the
// merge's page is the newest of theirs.
type Sources []Source

// ListRevisions implements Source.
func (s Sources) ListRevisions(ctx context.Context, req *historypb.ListRevisionsRequest, opts ...grpc.CallOption) (*historypb.ListRevisionsResponse, error) {
	revs, next, err := s.merge(req.GetPageSize(), func(src Source) ([]*historypb.Revision, string, error) {
		resp, err := src.ListRevisions(ctx, req, opts...)
		return resp.GetRevisions(), resp.GetNextPageToken(), err
	})
	return &historypb.ListRevisionsResponse{Revisions: revs, NextPageToken: next}, err
}

// ListChanges implements Source.
func (s Sources) ListChanges(ctx context.Context, req *historypb.ListChangesRequest, opts ...grpc.CallOption) (*historypb.ListChangesResponse, error) {
	revs, next, err := s.merge(req.GetPageSize(), func(src Source) ([]*historypb.Revision, string, error) {
		resp, err := src.ListChanges(ctx, req, opts...)
		return resp.GetRevisions(), resp.GetNextPageToken(), err
	})
	return &historypb.ListChangesResponse{Revisions: revs, NextPageToken: next}, err
}

// GetRevision implements Source: the revision from the source that has
// it.
func (s Sources) GetRevision(ctx context.Context, req *historypb.GetRevisionRequest, opts ...grpc.CallOption) (*historypb.Revision, error) {
	i, r, err := s.find(ctx, req, opts...)
	if i < 0 {
		return nil, err
	}
	return r, nil
}

// find returns the index of the source that has the revision req names,
// with the revision; -1 and the error (NOT_FOUND when none has it).
func (s Sources) find(ctx context.Context, req *historypb.GetRevisionRequest, opts ...grpc.CallOption) (int, *historypb.Revision, error) {
	for i, src := range s {
		r, err := src.GetRevision(ctx, req, opts...)
		if status.Code(err) == codes.NotFound {
			continue
		}
		if err != nil {
			return -1, nil, err
		}
		return i, r, nil
	}
	return -1, nil, apierr.NotFound(req.GetName())
}

// merge reads one page from every source with read and keeps the newest
// size of them all.
func (s Sources) merge(size int32, read func(Source) ([]*historypb.Revision, string, error)) ([]*historypb.Revision, string, error) {
	limit := pageSize(size)
	var all []*historypb.Revision
	more := false
	for _, src := range s {
		revs, next, err := read(src)
		if err != nil {
			return nil, "", err
		}
		all = append(all, revs...)
		more = more || next != ""
	}
	if len(s) > 1 {
		slices.SortStableFunc(all, func(a, b *historypb.Revision) int {
			switch ka, kb := keyOf(a), keyOf(b); {
			case newer(ka, kb):
				return -1
			case newer(kb, ka):
				return 1
			}
			return 0
		})
	}
	if len(all) > limit {
		all, more = all[:limit], true
	}
	if !more || len(all) == 0 {
		return all, "", nil
	}
	return all, encodeToken(keyOf(all[len(all)-1])), nil
}

// Remote is HistoryService over the services that keep history, reached
// over gRPC (the gateway's front door): reads are merged (Sources), and a
// rollback goes to the service that has the revision.
type Remote struct {
	Sources
	clients []historypb.HistoryServiceClient
}

// NewRemote is HistoryService over clients.
func NewRemote(clients ...historypb.HistoryServiceClient) Remote {
	r := Remote{clients: clients}
	for _, c := range clients {
		r.Sources = append(r.Sources, c)
	}
	return r
}

// RollbackRevision implements historypb.HistoryServiceClient.
func (r Remote) RollbackRevision(ctx context.Context, req *historypb.RollbackRevisionRequest, opts ...grpc.CallOption) (*historypb.Revision, error) {
	i, _, err := r.find(ctx, &historypb.GetRevisionRequest{Name: req.GetName()}, opts...)
	if i < 0 {
		return nil, err
	}
	return r.clients[i].RollbackRevision(ctx, req, opts...)
}

// Dispatcher runs methods registered on the gRPC server in process,
// through the server's interceptors, as the caller of ctx (grpcserver).
type Dispatcher interface {
	Methods() []string
	Call(ctx context.Context, method string, req proto.Message) (any, error)
}

// Server is HistoryService over the services of one gRPC server, each
// keeping its history in its own database (parts). A rollback calls the
// resource's own Update method through the server, so that it is asked
// of the caller, checked and announced as any update is.
type Server struct {
	historypb.UnimplementedHistoryServiceServer
	parts  []Part
	reads  Sources
	server Dispatcher
}

// NewServer serves the history of parts, rolling back through server.
func NewServer(parts []Part, server Dispatcher) *Server {
	s := &Server{parts: parts, server: server}
	for _, p := range parts {
		s.reads = append(s.reads, p)
	}
	return s
}

// ListRevisions implements historypb.HistoryServiceServer.
func (s *Server) ListRevisions(ctx context.Context, req *historypb.ListRevisionsRequest) (*historypb.ListRevisionsResponse, error) {
	return s.reads.ListRevisions(ctx, req)
}

// GetRevision implements historypb.HistoryServiceServer.
func (s *Server) GetRevision(ctx context.Context, req *historypb.GetRevisionRequest) (*historypb.Revision, error) {
	return s.reads.GetRevision(ctx, req)
}

// ListChanges implements historypb.HistoryServiceServer.
func (s *Server) ListChanges(ctx context.Context, req *historypb.ListChangesRequest) (*historypb.ListChangesResponse, error) {
	return s.reads.ListChanges(ctx, req)
}

// RollbackRevision implements historypb.HistoryServiceServer.
func (s *Server) RollbackRevision(ctx context.Context, req *historypb.RollbackRevisionRequest) (*historypb.Revision, error) {
	name, id, err := parseRevisionName(req.GetName())
	if err != nil {
		return nil, err
	}
	for _, p := range s.parts {
		r, err := revisionOf(ctx, p.DB, name, id)
		if status.Code(err) == codes.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		snapshot, err := r.now.decode()
		if err != nil {
			return nil, err
		}
		method, update, err := s.updateOf(name, snapshot)
		if err != nil {
			return nil, err
		}
		if _, err := s.server.Call(ctx, method, update); err != nil {
			return nil, err
		}
		newest, err := latest(ctx, p.DB, name)
		if err != nil {
			return nil, err
		}
		return p.GetRevision(ctx, &historypb.GetRevisionRequest{Name: name + "@" + strconv.FormatInt(newest, 10)})
	}
	return nil, apierr.NotFound(req.GetName())
}

// updateOf finds the Update method of the server that takes a resource of
// snapshot's type, and its request setting every updatable field to
// snapshot's (no update_mask) at whatever revision the resource is (no
// etag); FAILED_PRECONDITION naming the resource when no update takes it.
func (s *Server) updateOf(name string, snapshot proto.Message) (string, proto.Message, error) {
	want := snapshot.ProtoReflect().Descriptor().FullName()
	for _, method := range s.server.Methods() {
		service, rpc, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
		if !ok || !strings.HasPrefix(rpc, "Update") {
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
		sd, isService := d.(protoreflect.ServiceDescriptor)
		if err != nil || !isService || sd.Methods().ByName(protoreflect.Name(rpc)) == nil {
			continue
		}
		in := sd.Methods().ByName(protoreflect.Name(rpc)).Input()
		for i := range in.Fields().Len() {
			fd := in.Fields().Get(i)
			if fd.Message() == nil || fd.Message().FullName() != want {
				continue
			}
			mt, err := protoregistry.GlobalTypes.FindMessageByName(in.FullName())
			if err != nil {
				return "", nil, err
			}
			req := mt.New()
			m := proto.Clone(snapshot).ProtoReflect()
			if etag := m.Descriptor().Fields().ByName("etag"); etag != nil {
				m.Clear(etag)
			}
			req.Set(fd, protoreflect.ValueOfMessage(m))
			return method, req.Interface(), nil
		}
	}
	return "", nil, apierr.FailedPrecondition(name, "is not changed by updates, so it has nothing to roll back")
}

// parseRevisionName splits {resource}@{revision_id}.
func parseRevisionName(name string) (string, int64, error) {
	resource, id, ok := strings.Cut(name, "@")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || resource == "" {
		return "", 0, apierr.InvalidArgument("name", "must be {resource}@{revision_id}")
	}
	return resource, n, nil
}

// pageSize is the size of a page asked for (listing.PageSize).
func pageSize(n int32) int { return listing.PageSize(max(n, 0)) }

package planning

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// commentsHandler is the gRPC surface of CommentsService: the discussion
// of an element, a check-in or a KPI, whose mentions are checked with the
// organisations service and published one by one.
type commentsHandler struct {
	pb.UnimplementedCommentsServiceServer
	db *sqldb.DB
	// engines are those of the comments on each kind of parent, by
	// commentKind.
	engines map[string]resource.Engine[*commentRecord, *pb.Comment]
	people  peopleDirectory
	kpis    interface {
		// RequireKPI fails unless the KPI called name is live; its
		// errors name field.
		RequireKPI(ctx context.Context, field, name string) error
	}
	emit resource.Emit
}

// peopleDirectory is what comments ask the organisations service, as the
// caller.
type peopleDirectory interface {
	// RequirePerson fails unless the person called name exists and is
	// live; its errors name field.
	RequirePerson(ctx context.Context, field, name string) error
	// Organisation returns the organisation orgID (its settings).
	Organisation(ctx context.Context, orgID string) (*orgpb.Organisation, error)
}

// commentKind is the kind of parent a comment or parent name is of:
// "checkIns", "kpis" or "elements" (the request's proto rules have
// checked its shape).
func commentKind(name string) string {
	switch {
	case strings.Contains(name, "/checkIns/"):
		return "checkIns"
	case strings.Contains(name, "/kpis/"):
		return "kpis"
	}
	return "elements"
}

func (h *commentsHandler) GetComment(ctx context.Context, req *pb.GetCommentRequest) (*pb.Comment, error) {
	return h.engines[commentKind(req.Name)].Get(ctx, req.Name)
}

func (h *commentsHandler) ListComments(ctx context.Context, req *pb.ListCommentsRequest) (*pb.ListCommentsResponse, error) {
	comments, next, err := h.engines[commentKind(req.Parent)].List(ctx, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*commentRecord], ids []string) ([]*commentRecord, error) {
			return listComments(ctx, q, ids[0], req.Parent, plan, req.ShowDeleted)
		})
	return resource.Respond(&pb.ListCommentsResponse{}, comments, next, err)
}

func (h *commentsHandler) CreateComment(ctx context.Context, req *pb.CreateCommentRequest) (*pb.Comment, error) {
	return h.engines[commentKind(req.Parent)].Create(ctx, resource.Creation[*commentRecord]{Request: req, Parent: req.Parent, ID: req.CommentId,
		New: func(ids []string) (*commentRecord, error) {
			if err := h.mayComment(ctx, ids[0]); err != nil {
				return nil, err
			}
			if err := h.requireLiveParent(ctx, req.Parent, ids); err != nil {
				return nil, err
			}
			r := newComment(ids[0], req.Parent, ids[len(ids)-1], req.Comment, auth.FromContext(ctx).People[ids[0]], auth.Actor(ctx, serviceName))
			return r, h.requireMentioned(ctx, r.Msg.Mentions)
		},
		Lock: lockPlan,
		After: func(ctx context.Context, tx *sqldb.Tx, r *commentRecord) error {
			return h.mentioned(ctx, tx, r.Msg, r.Msg.Mentions)
		}})
}

// requireLiveParent fails unless parent (ids: its ids, then the new
// comment's) is a live element, a check-in of a live element, or a live
// KPI (asked of the KPI service).
func (h *commentsHandler) requireLiveParent(ctx context.Context, parent string, ids []string) error {
	if commentKind(parent) == "kpis" {
		return h.kpis.RequireKPI(ctx, "parent", parent)
	}
	e, err := getElement(ctx, h.db, ids[0], ids[1])
	if errors.Is(err, resource.ErrNotFound) {
		return apierr.NotFound(parent)
	}
	if err != nil {
		return err
	}
	if e.Msg.DeleteTime != nil {
		return apierr.FailedPrecondition("parent", e.Msg.Name+" is deleted")
	}
	if commentKind(parent) == "checkIns" {
		_, err = checkInType.Lookup(ctx, h.db, ids[:3]...)
	}
	return err
}

func (h *commentsHandler) UpdateComment(ctx context.Context, req *pb.UpdateCommentRequest) (*pb.Comment, error) {
	engine := h.engines[commentKind(req.Comment.GetName())]
	c, err := engine.Patch(req.Comment, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	// Who is mentioned is asked before anything is written.
	if err := h.requireMentioned(ctx, mentionsIn(c.IDs[0], req.Comment.Text)); err != nil {
		return nil, err
	}
	c.Lock = lockPlan
	c.After = func(ctx context.Context, tx *sqldb.Tx, current, next *commentRecord) error {
		return h.mentioned(ctx, tx, next.Msg, newMentions(current.Msg.Mentions, next.Msg.Mentions))
	}
	return engine.Update(ctx, c, func(current *commentRecord) (*commentRecord, error) {
		return editComment(current, req.Comment.Text, auth.Actor(ctx, serviceName), timestamppb.Now())
	})
}

func (h *commentsHandler) DeleteComment(ctx context.Context, req *pb.DeleteCommentRequest) (*pb.Comment, error) {
	actor := auth.Actor(ctx, serviceName)
	return h.engines[commentKind(req.Name)].Delete(ctx, req.Name, req.Etag, resource.Hooks[*commentRecord]{Lock: lockPlan,
		Check: func(_ context.Context, _ *sqldb.Tx, current, _ *commentRecord) error {
			return checkCommentAuthor(current, actor)
		}})
}

// mayComment fails unless the caller may comment in orgID: a contributor
// or above, or a viewer where the organisation lets viewers comment.
func (h *commentsHandler) mayComment(ctx context.Context, orgID string) error {
	if auth.FromContext(ctx).RoleIn(orgID) >= identitypb.Role_ROLE_CONTRIBUTOR {
		return nil
	}
	org, err := h.people.Organisation(ctx, orgID)
	if err != nil || org.ViewersMayComment {
		return err
	}
	return apierr.PermissionDenied("viewers comment only where the organisation lets them (viewers_may_comment); organisations/" + orgID + " does not")
}

// requireMentioned fails unless every person in mentions is a live person
// of the organisation, naming comment.text.
func (h *commentsHandler) requireMentioned(ctx context.Context, mentions []string) error {
	for _, p := range mentions {
		if err := h.people.RequirePerson(ctx, "comment.text", p); err != nil {
			return err
		}
	}
	return nil
}

// mentioned publishes a CommentMentioned for each of people.
func (h *commentsHandler) mentioned(ctx context.Context, tx *sqldb.Tx, c *pb.Comment, people []string) error {
	for _, p := range people {
		if err := h.emit(ctx, tx, c.Name, "comment", "mentioned", &pb.CommentMentioned{Comment: c, Person: p}); err != nil {
			return err
		}
	}
	return nil
}

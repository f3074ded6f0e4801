package planning

import (
	"context"
	"errors"
	"fmt"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// linksHandler is the gRPC surface of LinkRequestsService: requests to
// link an element of one organisation to another's plan, which a planner
// of the organisation asked accepts or declines.
type linksHandler struct {
	pb.UnimplementedLinkRequestsServiceServer
	links resource.Engine[*linkRecord, *pb.LinkRequest]
}

func (h *linksHandler) CreateLinkRequest(ctx context.Context, req *pb.CreateLinkRequestRequest) (*pb.LinkRequest, error) {
	return h.links.Create(ctx, resource.Creation[*linkRecord]{Request: req, Parent: req.Parent, ID: req.LinkRequestId,
		New: func(ids []string) (*linkRecord, error) {
			e, err := elementType.Parse("link_request.element", req.LinkRequest.Element)
			if err != nil {
				return nil, err
			}
			r, err := getElement(ctx, h.links.DB, e[0], e[1])
			if errors.Is(err, resource.ErrNotFound) {
				return nil, apierr.InvalidArgument("link_request.element", "no such element: "+req.LinkRequest.Element)
			}
			if err != nil {
				return nil, err
			}
			l, err := newLink(ids[0], ids[1], req.LinkRequest, r.Msg)
			if err == nil {
				l.Msg.CreateActor = auth.Actor(ctx, serviceName)
			}
			return l, err
		},
		Lock: lockPlan,
		Check: func(ctx context.Context, tx *sqldb.Tx, r *linkRecord) error {
			other, err := openLink(ctx, tx, r)
			if err != nil {
				return err
			}
			return checkNoOpenLink(other)
		}})
}

func (h *linksHandler) AcceptLinkRequest(ctx context.Context, req *pb.AcceptLinkRequestRequest) (*pb.LinkRequest, error) {
	return h.decide(ctx, req.Name, req.Etag, true)
}

func (h *linksHandler) DeclineLinkRequest(ctx context.Context, req *pb.DeclineLinkRequestRequest) (*pb.LinkRequest, error) {
	return h.decide(ctx, req.Name, req.Etag, false)
}

// decide accepts or declines a pending request, reading the two elements
// it names under the plan's lock of the organisation asked.
func (h *linksHandler) decide(ctx context.Context, name, etag string, accept bool) (*pb.LinkRequest, error) {
	c, err := h.links.Named(name, etag)
	if err != nil {
		return nil, err
	}
	c.Lock, c.Paths = lockPlan, []string{"state"}
	return h.links.Update(ctx, c, func(current *linkRecord) (*linkRecord, error) {
		element, err := getElement(ctx, h.links.DB, current.elementOrgID, current.elementID)
		if err != nil {
			return nil, fmt.Errorf("element of %s: %w", current.Msg.Name, err)
		}
		var target *pb.Element
		if t, err := getElement(ctx, h.links.DB, current.orgID, current.targetID); err == nil {
			target = t.Msg
		} else if !errors.Is(err, resource.ErrNotFound) {
			return nil, err
		}
		next, err := decideLink(current, accept, element.Msg, target)
		if err != nil {
			return nil, err
		}
		next.Msg.DecideTime = next.Msg.UpdateTime
		return next, nil
	})
}

// linkEvents are a link request's events: filed, then accepted or
// declined (an update of its state).
type linkEvents struct{ emit resource.Emit }

// Created implements resource.Events.
func (e linkEvents) Created(ctx context.Context, tx *sqldb.Tx, l *pb.LinkRequest) error {
	return e.emit(ctx, tx, l.Name, "link_request", "created", &pb.LinkRequestCreated{LinkRequest: l})
}

// Updated implements resource.Events: a request is only ever accepted or
// declined.
func (e linkEvents) Updated(ctx context.Context, tx *sqldb.Tx, l *pb.LinkRequest, _ []string) error {
	if l.State == pb.LinkRequest_STATE_ACCEPTED {
		return e.emit(ctx, tx, l.Name, "link_request", "accepted", &pb.LinkRequestAccepted{LinkRequest: l})
	}
	return e.emit(ctx, tx, l.Name, "link_request", "declined", &pb.LinkRequestDeclined{LinkRequest: l})
}

// Deleted implements resource.Events.
func (e linkEvents) Deleted(_ context.Context, _ *sqldb.Tx, l *pb.LinkRequest, _ string) error {
	return fmt.Errorf("%s: a link request is never deleted", l.Name)
}

// Undeleted implements resource.Events.
func (e linkEvents) Undeleted(_ context.Context, _ *sqldb.Tx, l *pb.LinkRequest, _ string) error {
	return fmt.Errorf("%s: a link request is never deleted", l.Name)
}

var _ resource.Events[*pb.LinkRequest] = linkEvents{}

package planning

import (
	"context"
	"errors"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// checkInsHandler is the gRPC surface of CheckInsService: the check-ins of
// an element's owners, each its element's latest when posted.
type checkInsHandler struct {
	pb.UnimplementedCheckInsServiceServer
	checkIns resource.Engine[*checkInRecord, *pb.CheckIn]
	// elements says who owns an element: who may post on it.
	elements *elementsHandler
}

func (h *checkInsHandler) CreateCheckIn(ctx context.Context, req *pb.CreateCheckInRequest) (*pb.CheckIn, error) {
	return h.checkIns.Create(ctx, resource.Creation[*checkInRecord]{Request: req, Parent: req.Parent, ID: req.CheckInId,
		New: func(ids []string) (*checkInRecord, error) {
			e, err := getElement(ctx, h.checkIns.DB, ids[0], ids[1])
			if errors.Is(err, resource.ErrNotFound) {
				return nil, apierr.NotFound(req.Parent)
			}
			if err != nil {
				return nil, err
			}
			if err := h.mayPost(ctx, e); err != nil {
				return nil, err
			}
			return newCheckIn(ids[0], ids[1], ids[2], req.CheckIn, e.Msg, auth.FromContext(ctx).People[ids[0]])
		},
		Lock:  lockPlan,
		After: setLatestCheckIn})
}

// mayPost fails unless the caller may post a check-in on r: a planner, a
// lead whose remit holds it, or a member of the team that owns it.
func (h *checkInsHandler) mayPost(ctx context.Context, r *elementRecord) error {
	remit, delegated, err := h.elements.delegated(ctx, r.orgID)
	if err != nil || !delegated || inRemit(remit, r) {
		return err
	}
	if member, err := h.elements.memberOfOwner(ctx, r); err != nil || member {
		return err
	}
	return apierr.PermissionDenied("check-ins are posted by the team that owns the element (its members, its leads) or by planners; " +
		r.Msg.OwnerTeam + " owns " + r.Msg.Name)
}

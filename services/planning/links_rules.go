package planning

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of a link request, as pure functions of the request and the
// elements it names, which the handler reads.

// newLink returns the record of a link request made to the organisation
// orgID (its id, id) from in, whose element is element, or the rule it
// breaks: the element is of another organisation and live, the target is
// an element of orgID. The target is not looked up: the caller may not
// read orgID's plan, and a request for an element it does not have cannot be
// accepted (decideLink).
func newLink(orgID, id string, in *pb.LinkRequest, element *pb.Element) (*linkRecord, error) {
	e, err := elementType.Parse("link_request.element", in.Element)
	if err != nil {
		return nil, err
	}
	targetID, err := resource.InOrganisation("link_request.target", "elements", orgID, in.Target)
	if err != nil {
		return nil, err
	}
	if e[0] == orgID {
		return nil, apierr.InvalidArgument("link_request.element", "is of the organisation asked; an element supports its own organisation's without asking")
	}
	if element.DeleteTime != nil {
		return nil, apierr.FailedPrecondition("link_request.element", in.Element+" is deleted")
	}
	return &linkRecord{Stored: resource.Hold(&pb.LinkRequest{Name: linkType.Name(orgID, id), Element: in.Element, Target: in.Target, Message: in.Message,
		State: pb.LinkRequest_STATE_PENDING, ElementTitle: element.Title}), orgID: orgID, id: id, elementOrgID: e[0], elementID: e[1], targetID: targetID}, nil
}

// checkNoOpenLink fails when other, the pending or accepted request for the
// same pair (nil when there is none), exists.
func checkNoOpenLink(other *linkRecord) error {
	if other == nil {
		return nil
	}
	return apierr.AlreadyExists(other.Msg.Name)
}

// decideLink returns current accepted (accept) or declined, or the rule it
// breaks: only a pending request is decided, and it is accepted only for a
// live target of a higher level than its element's.
func decideLink(current *linkRecord, accept bool, element, target *pb.Element) (*linkRecord, error) {
	if current.Msg.State != pb.LinkRequest_STATE_PENDING {
		return nil, apierr.FailedPrecondition(current.Msg.Name, fmt.Sprintf("is %s; only a pending request is decided", current.Msg.State))
	}
	next := *current
	next.Msg = proto.CloneOf(current.Msg)
	next.Msg.State = pb.LinkRequest_STATE_DECLINED
	if accept {
		if target == nil {
			return nil, apierr.FailedPrecondition("link_request.target", "no such element: "+current.Msg.Target)
		}
		if err := checkSupportedAcross("link_request.target", element, target); err != nil {
			return nil, err
		}
		next.Msg.State = pb.LinkRequest_STATE_ACCEPTED
	}
	return &next, nil
}

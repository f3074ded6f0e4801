package planning

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of check-ins, as pure functions.

// checkInPeriods are how long each frequency leaves between check-ins.
var checkInPeriods = map[pb.CheckInFrequency]time.Duration{
	pb.CheckInFrequency_CHECK_IN_FREQUENCY_WEEKLY:      7 * 24 * time.Hour,
	pb.CheckInFrequency_CHECK_IN_FREQUENCY_FORTNIGHTLY: 14 * 24 * time.Hour,
	pb.CheckInFrequency_CHECK_IN_FREQUENCY_MONTHLY:     30 * 24 * time.Hour,
	pb.CheckInFrequency_CHECK_IN_FREQUENCY_QUARTERLY:   91 * 24 * time.Hour,
}

// newCheckIn returns the record of a check-in on element (its name's ids
// orgID, elementID and id) from in, posted by author (a person's name, or
// ""), or the rule it breaks: the element is live, and progress is a
// tactic's.
func newCheckIn(orgID, elementID, id string, in *pb.CheckIn, element *pb.Element, author string) (*checkInRecord, error) {
	if element.DeleteTime != nil {
		return nil, apierr.FailedPrecondition("parent", element.Name+" is deleted")
	}
	if in.Progress != nil && element.Level != pb.Level_LEVEL_TACTIC {
		return nil, apierr.InvalidArgument("check_in.progress", "only a tactic's check-in reports progress; "+element.Name+" is a "+element.Level.String())
	}
	return &checkInRecord{Stored: resource.Hold(&pb.CheckIn{
		Name: checkInType.Name(orgID, elementID, id), Assessment: in.Assessment, Progress: in.Progress,
		Summary: in.Summary, NextSteps: in.NextSteps, Blockers: in.Blockers, Author: author, Public: in.Public}), orgID: orgID, elementID: elementID, id: id}, nil
}

// checkInDue is when element e's next check-in is due: a period of its
// frequency after its latest check-in, or after its creation before any;
// nil without a frequency.
func checkInDue(e *pb.Element) *timestamppb.Timestamp {
	period, ok := checkInPeriods[e.CheckInFrequency]
	if !ok {
		return nil
	}
	from := e.CreateTime
	if e.LatestCheckIn != nil {
		from = e.LatestCheckIn.CreateTime
	}
	return timestamppb.New(from.AsTime().Add(period))
}

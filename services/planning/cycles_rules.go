package planning

import (
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// checkCycle applies the rules of a cycle on its own, the request's field
// (cycle, next_cycle): both dates, the start on or before the end.
func checkCycle(field string, c *pb.Cycle) error {
	if c.StartDate == nil {
		return apierr.InvalidArgument(field+".start_date", "is required")
	}
	if c.EndDate == nil {
		return apierr.InvalidArgument(field+".end_date", "is required")
	}
	if dates.Format(c.StartDate) > dates.Format(c.EndDate) {
		return apierr.InvalidArgument(field+".end_date", "must be on or after start_date")
	}
	return nil
}

// checkOpen says whether an element may join, or a change be made to, the
// cycle c: only an open one.
func checkOpen(field string, c *pb.Cycle) error {
	if c.State != pb.Cycle_STATE_OPEN {
		return apierr.FailedPrecondition(field, c.Name+" is closed")
	}
	return nil
}

package planning

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// The rules of a person's work (WorkService), as pure functions of what
// the handler gathers and the moment asked about.

const (
	// workAhead is how far ahead a check-in or a value counts as due now.
	workAhead = 7 * 24 * time.Hour
	// mentionsFor is how long a mention stays in the person's work.
	mentionsFor = 30 * 24 * time.Hour
)

// work is what a person's work is made of, gathered by the handler.
type work struct {
	checkIns []*pb.Element     // elements their teams own, check-in due by at+workAhead
	kpis     []*kpipb.Kpi      // KPIs their teams own
	mentions []*pb.Comment     // comments mentioning them since at-mentionsFor
	titles   map[string]string // of what the mentions are on, by name
	links    []*pb.LinkRequest // waiting for their answer: for a planner, the organisation's pending ones
}

// workItems are w's items at at, earliest due first: every check-in and
// link request; a KPI whose next value is due by at+workAhead or late; a
// mention, due when written.
func workItems(at time.Time, w work) []*pb.WorkItem {
	var out []*pb.WorkItem
	item := func(kind pb.WorkItem_Kind, resource, title string, due time.Time, late bool) {
		out = append(out, &pb.WorkItem{Kind: kind, Resource: resource, Title: title, DueTime: timestamppb.New(due), Late: late})
	}
	for _, e := range w.checkIns {
		due := e.CheckInDueTime.AsTime()
		item(pb.WorkItem_KIND_CHECK_IN, e.Name, e.Title, due, due.Before(at))
	}
	for _, k := range w.kpis {
		if k.ValueDueDate == nil {
			continue // no value yet: nothing falls due
		}
		// Due at the end of its last day.
		due := dates.Time(k.ValueDueDate).AddDate(0, 0, 1)
		late := k.Status == kpipb.KpiStatus_KPI_STATUS_OVERDUE || !due.After(at)
		if late || !due.After(at.Add(workAhead)) {
			item(pb.WorkItem_KIND_KPI_VALUE, k.Name, k.Title, due, late)
		}
	}
	for _, c := range w.mentions {
		item(pb.WorkItem_KIND_MENTION, c.Name, w.titles[commentParent(c.Name)], c.CreateTime.AsTime(), false)
	}
	for _, l := range w.links {
		due := l.CreateTime.AsTime().Add(unansweredAfter)
		item(pb.WorkItem_KIND_LINK_REQUEST, l.Name, l.ElementTitle, due, due.Before(at))
	}
	slices.SortStableFunc(out, func(a, b *pb.WorkItem) int {
		return cmp.Or(a.DueTime.AsTime().Compare(b.DueTime.AsTime()), strings.Compare(a.Resource, b.Resource))
	})
	return out
}

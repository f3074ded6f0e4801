package planning

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// TestWorkItemsTable: a person's work at a fixed moment — what is due
// within a week or late, earliest first; KPIs not yet measured, or due
// later, left out.
func TestWorkItemsTable(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(at.Add(d)) }
	day := 24 * time.Hour
	w := work{
		checkIns: []*pb.Element{
			{Name: "e/late", Title: "late check-in", CheckInDueTime: ts(-2 * day)},
			{Name: "e/soon", Title: "check-in in 3 days", CheckInDueTime: ts(3 * day)},
		},
		kpis: []*kpipb.Kpi{
			{Name: "k/soon", Title: "value due on the 9th", ValueDueDate: dates.Parse("2026-12-09")},
			{Name: "k/later", Title: "value due on the 31st", ValueDueDate: dates.Parse("2026-12-31")},
			{Name: "k/overdue", Title: "overdue", ValueDueDate: dates.Parse("2026-12-31"), Status: kpipb.KpiStatus_KPI_STATUS_OVERDUE},
			{Name: "k/new", Title: "no value yet"},
		},
		mentions: []*pb.Comment{{Name: "organisations/o/elements/x/comments/c", CreateTime: ts(-day)}},
		titles:   map[string]string{"organisations/o/elements/x": "the element commented"},
		links:    []*pb.LinkRequest{{Name: "l/old", ElementTitle: "asked 8 days ago", CreateTime: ts(-8 * day)}},
	}
	var got []string
	for _, it := range workItems(at, w) {
		got = append(got, it.Resource+" "+it.Title+" "+it.DueTime.AsTime().Format(time.DateOnly)+map[bool]string{true: " late", false: ""}[it.Late])
	}
	want := []string{
		"e/late late check-in 2026-12-03 late",
		"l/old asked 8 days ago 2026-12-04 late",
		"organisations/o/elements/x/comments/c the element commented 2026-12-04",
		"e/soon check-in in 3 days 2026-12-08",
		"k/soon value due on the 9th 2026-12-10",
		"k/overdue overdue 2027-01-01 late",
	}
	if !slices.Equal(got, want) {
		t.Errorf("work at %v:\n got %q\nwant %q", at, got, want)
	}
}

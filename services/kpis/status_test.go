package kpis

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
)

func d(y, m, day int32) *date.Date { return &date.Date{Year: y, Month: m, Day: day} }

// TestStatusTable walks each direction through values around its
// thresholds; the rows are the examples documented on KpisService.
func TestStatusTable(t *testing.T) {
	higher := &pb.Kpi{Direction: pb.Direction_DIRECTION_HIGHER_IS_BETTER, Frequency: pb.Frequency_FREQUENCY_MONTHLY,
		Targets:    []*pb.Target{{PeriodEnd: d(2026, 6, 30), Value: 80}, {PeriodEnd: d(2026, 12, 31), Value: 90}},
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_RELATIVE, GreenWithin: 0, AmberWithin: 5}}
	lower := &pb.Kpi{Direction: pb.Direction_DIRECTION_LOWER_IS_BETTER, Frequency: pb.Frequency_FREQUENCY_MONTHLY,
		Targets:    []*pb.Target{{PeriodEnd: d(2026, 12, 31), Value: 10}},
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_ABSOLUTE, GreenWithin: 1, AmberWithin: 3}}
	band := &pb.Kpi{Direction: pb.Direction_DIRECTION_WITHIN_BAND, Frequency: pb.Frequency_FREQUENCY_MONTHLY,
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_BAND, GreenLow: 95, GreenHigh: 105, AmberLow: 90, AmberHigh: 110}}
	green, amber, red := pb.KpiStatus_KPI_STATUS_GREEN, pb.KpiStatus_KPI_STATUS_AMBER, pb.KpiStatus_KPI_STATUS_RED
	for _, tc := range []struct {
		name   string
		kpi    *pb.Kpi
		period string
		value  float64
		want   pb.KpiStatus
	}{
		{"higher: above target", higher, "2026-09-30", 92, green},
		{"higher: on target", higher, "2026-09-30", 90, green},
		{"higher: 4.4% short", higher, "2026-09-30", 86, amber},
		{"higher: exactly 5% short", higher, "2026-09-30", 85.5, amber},
		{"higher: over 5% short", higher, "2026-09-30", 85, red},
		{"higher: the first half's lower target", higher, "2026-03-31", 80, green},
		{"higher: after the last target", higher, "2027-03-31", 89, amber},
		{"lower: under target", lower, "2026-09-30", 9, green},
		{"lower: within green", lower, "2026-09-30", 11, green},
		{"lower: amber", lower, "2026-09-30", 12, amber},
		{"lower: amber edge", lower, "2026-09-30", 13, amber},
		{"lower: red", lower, "2026-09-30", 13.5, red},
		{"band: middle", band, "2026-09-30", 100, green},
		{"band: green edge", band, "2026-09-30", 105, green},
		{"band: amber", band, "2026-09-30", 107, amber},
		{"band: amber low edge", band, "2026-09-30", 90, amber},
		{"band: red", band, "2026-09-30", 89, red},
		{"band: red high", band, "2026-09-30", 110.5, red},
	} {
		if got := colour(tc.kpi, tc.value, tc.period); got != tc.want {
			t.Errorf("%s: %v for %v, want %v", tc.name, got, tc.value, tc.want)
		}
	}
}

// TestOverdue fixes today's date and moves the latest measurement back.
func TestOverdue(t *testing.T) {
	kpi := func(f pb.Frequency) *pb.Kpi {
		return &pb.Kpi{Direction: pb.Direction_DIRECTION_HIGHER_IS_BETTER, Frequency: f,
			Targets:    []*pb.Target{{PeriodEnd: d(2030, 1, 1), Value: 1}},
			Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_ABSOLUTE}}
	}
	const today = "2026-11-11"
	for _, tc := range []struct {
		f      pb.Frequency
		latest string
		want   pb.KpiStatus
	}{
		{pb.Frequency_FREQUENCY_MONTHLY, "2026-09-30", pb.KpiStatus_KPI_STATUS_OVERDUE}, // due 2026-11-10
		{pb.Frequency_FREQUENCY_MONTHLY, "2026-10-01", pb.KpiStatus_KPI_STATUS_GREEN},   // due 2026-11-11
		{pb.Frequency_FREQUENCY_MONTHLY, "2026-10-31", pb.KpiStatus_KPI_STATUS_GREEN},
		{pb.Frequency_FREQUENCY_WEEKLY, "2026-11-01", pb.KpiStatus_KPI_STATUS_GREEN},   // due 2026-11-11
		{pb.Frequency_FREQUENCY_WEEKLY, "2026-10-31", pb.KpiStatus_KPI_STATUS_OVERDUE}, // due 2026-11-10
		{pb.Frequency_FREQUENCY_QUARTERLY, "2026-06-30", pb.KpiStatus_KPI_STATUS_OVERDUE},
		{pb.Frequency_FREQUENCY_QUARTERLY, "2026-09-30", pb.KpiStatus_KPI_STATUS_GREEN},
		{pb.Frequency_FREQUENCY_YEARLY, "2025-12-31", pb.KpiStatus_KPI_STATUS_GREEN},
		{pb.Frequency_FREQUENCY_YEARLY, "2025-09-30", pb.KpiStatus_KPI_STATUS_OVERDUE},
		// Due in year 10000, whose date string sorts before 2026's: compared
		// as dates, it is not overdue.
		{pb.Frequency_FREQUENCY_MONTHLY, "9999-12-31", pb.KpiStatus_KPI_STATUS_GREEN},
	} {
		got := statusOf(kpi(tc.f), []period{{end: tc.latest, value: 5}}, nil, today)
		if got != tc.want {
			t.Errorf("%v, latest %s, today %s: %v, want %v (due %s)", tc.f, tc.latest, today, got, tc.want, dueDate(tc.latest, tc.f))
		}
	}
	if got := statusOf(kpi(pb.Frequency_FREQUENCY_MONTHLY), nil, nil, today); got != pb.KpiStatus_KPI_STATUS_NO_DATA {
		t.Errorf("no measurements: %v", got)
	}
	if got := dueDate("2026-01-31", pb.Frequency_FREQUENCY_MONTHLY); got != "2026-03-10" {
		t.Errorf("month ends stay month ends: due %s, want 2026-03-10 (28 February + 10 days)", got)
	}
	if got := dueDate("9999-12-31", pb.Frequency_FREQUENCY_YEARLY); got != "9999-12-31" {
		t.Errorf("a due date past the API's last date: %s, want 9999-12-31", got)
	}
}

// TestRecordablePeriods: a value may be recorded for a period that ends at
// most one reporting period after today.
func TestRecordablePeriods(t *testing.T) {
	const today = "2026-12-04"
	for _, tc := range []struct {
		f      pb.Frequency
		period string
		ok     bool
	}{
		{pb.Frequency_FREQUENCY_MONTHLY, "2026-11-30", true},
		{pb.Frequency_FREQUENCY_MONTHLY, "2026-12-31", true},
		{pb.Frequency_FREQUENCY_MONTHLY, "2027-01-04", true},
		{pb.Frequency_FREQUENCY_MONTHLY, "2027-01-05", false},
		{pb.Frequency_FREQUENCY_MONTHLY, "9999-12-31", false},
		{pb.Frequency_FREQUENCY_WEEKLY, "2026-12-11", true},
		{pb.Frequency_FREQUENCY_WEEKLY, "2026-12-12", false},
		{pb.Frequency_FREQUENCY_QUARTERLY, "2027-03-04", true},
		{pb.Frequency_FREQUENCY_QUARTERLY, "2027-03-31", false},
		{pb.Frequency_FREQUENCY_YEARLY, "2027-12-04", true},
		{pb.Frequency_FREQUENCY_YEARLY, "2027-12-31", false},
	} {
		if got := periodProblem(tc.period, tc.f, today); (got == "") != tc.ok {
			t.Errorf("%v, period %s, today %s: %q, want ok=%v", tc.f, tc.period, today, got, tc.ok)
		}
	}
}

func TestTrend(t *testing.T) {
	higher := &pb.Kpi{Direction: pb.Direction_DIRECTION_HIGHER_IS_BETTER}
	lower := &pb.Kpi{Direction: pb.Direction_DIRECTION_LOWER_IS_BETTER}
	ps := func(vs ...float64) []period {
		var out []period
		for _, v := range vs {
			out = append(out, period{value: v})
		}
		return out
	}
	for _, tc := range []struct {
		kpi    *pb.Kpi
		values []period
		want   pb.Trend
	}{
		{higher, ps(10), pb.Trend_TREND_UNSPECIFIED},
		{higher, ps(12, 10, 10, 10, 1), pb.Trend_TREND_IMPROVING},
		{higher, ps(8, 10, 10), pb.Trend_TREND_WORSENING},
		{higher, ps(10.05, 10), pb.Trend_TREND_STEADY},
		{lower, ps(8, 10), pb.Trend_TREND_IMPROVING},
	} {
		if got := trendOf(tc.kpi, tc.values); got != tc.want {
			t.Errorf("%v %v: %v, want %v", tc.kpi.Direction, tc.values, got, tc.want)
		}
	}
}

// TestClosureOf: a retired KPI is closed whatever its element; then a done
// or dropped element, then an element whose end date has passed, close it.
func TestClosureOf(t *testing.T) {
	for _, tc := range []struct {
		retired bool
		status  planningpb.Status
		end     string
		want    pb.Kpi_Closure
	}{
		{false, planningpb.Status_STATUS_ACTIVE, "2026-12-31", pb.Kpi_CLOSURE_UNSPECIFIED},
		{false, planningpb.Status_STATUS_ACTIVE, "", pb.Kpi_CLOSURE_UNSPECIFIED},
		{false, planningpb.Status_STATUS_ACTIVE, "2026-12-04", pb.Kpi_CLOSURE_HORIZON_ENDED},
		{false, planningpb.Status_STATUS_ACTIVE, "2026-12-05", pb.Kpi_CLOSURE_UNSPECIFIED},
		{false, planningpb.Status_STATUS_DONE, "2026-12-31", pb.Kpi_CLOSURE_ELEMENT_DONE},
		{false, planningpb.Status_STATUS_DROPPED, "2026-12-04", pb.Kpi_CLOSURE_ELEMENT_DROPPED},
		{true, planningpb.Status_STATUS_DONE, "2026-12-04", pb.Kpi_CLOSURE_RETIRED},
	} {
		if got := closureOf(tc.retired, tc.status, tc.end, "2026-12-05"); got != tc.want {
			t.Errorf("closureOf(%v, %v, %q) = %v, want %v", tc.retired, tc.status, tc.end, got, tc.want)
		}
	}
	k := &pb.Kpi{Frequency: pb.Frequency_FREQUENCY_MONTHLY, Closure: pb.Kpi_CLOSURE_ELEMENT_DONE, Targets: []*pb.Target{{PeriodEnd: &date.Date{Year: 2026, Month: 12, Day: 31}, Value: 90}},
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_ABSOLUTE, AmberWithin: 5}}
	if got := statusOf(k, []period{{end: "2026-01-31", value: 92}}, nil, "2026-12-05"); got != pb.KpiStatus_KPI_STATUS_GREEN {
		t.Errorf("a closed KPI's status, months after its last value: %v, want GREEN", got)
	}
}

// TestInForce: a period is graded by the latest change among the versions
// in force by its end: the first definition before every later one, a
// change from its effective date on, and a later change re-grading from an
// earlier date wins over one made before it.
func TestInForce(t *testing.T) {
	day := func(s string) *date.Date {
		d, _ := time.Parse(time.DateOnly, s)
		return &date.Date{Year: int32(d.Year()), Month: int32(d.Month()), Day: int32(d.Day())}
	}
	version := func(effective string, target float64) *pb.TargetVersion {
		v := &pb.TargetVersion{Targets: []*pb.Target{{PeriodEnd: day("2099-12-31"), Value: target}}, Thresholds: &pb.Thresholds{}}
		if effective != "" {
			v.EffectiveDate = day(effective)
		}
		return v
	}
	versions := []*pb.TargetVersion{version("", 80), version("2026-12-03", 60), version("2026-11-01", 70)}
	for period, want := range map[string]float64{"2026-10-31": 80, "2026-11-30": 70, "2026-12-31": 70} {
		if got := inForce(&pb.Kpi{}, versions, period).Targets[0].Value; got != want {
			t.Errorf("target for %s: %v, want %v", period, got, want)
		}
	}
	if got := inForce(&pb.Kpi{}, versions[:2], "2026-11-30").Targets[0].Value; got != 80 {
		t.Errorf("a change made on 2026-12-03 graded November: %v", got)
	}
}

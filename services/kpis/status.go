package kpis

import (
	"fmt"
	"math"
	"slices"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// The status rule, as documented on KpisService in kpis.proto. Dates are
// YYYY-MM-DD strings, which compare in date order while their years have
// four digits, as the API's dates do; dates computed from them may not, and
// are compared with after.

// targetFor is the target in effect for a period: the first whose
// period_end is on or after it, else the last; false when there are none.
func targetFor(targets []*pb.Target, period string) (float64, bool) {
	if len(targets) == 0 {
		return 0, false
	}
	for _, t := range targets {
		if dates.Format(t.PeriodEnd) >= period {
			return t.Value, true
		}
	}
	return targets[len(targets)-1].Value, true
}

// colour is the status of value for period.
func colour(k *pb.Kpi, value float64, period string) pb.KpiStatus {
	th := k.Thresholds
	if k.Direction == pb.Direction_DIRECTION_WITHIN_BAND {
		switch {
		case value >= th.GreenLow && value <= th.GreenHigh:
			return pb.KpiStatus_KPI_STATUS_GREEN
		case value >= th.AmberLow && value <= th.AmberHigh:
			return pb.KpiStatus_KPI_STATUS_AMBER
		}
		return pb.KpiStatus_KPI_STATUS_RED
	}
	target, ok := targetFor(k.Targets, period)
	if !ok {
		return pb.KpiStatus_KPI_STATUS_NO_DATA
	}
	short := target - value
	if k.Direction == pb.Direction_DIRECTION_LOWER_IS_BETTER {
		short = value - target
	}
	short = max(short, 0)
	if th.Kind == pb.Thresholds_KIND_RELATIVE && short > 0 {
		if target == 0 {
			short = math.Inf(1)
		} else {
			short = short / math.Abs(target) * 100
		}
	}
	// A tiny tolerance keeps values that sit on a threshold, after the
	// division above, on its good side.
	const eps = 1e-9
	switch {
	case short <= th.GreenWithin+eps:
		return pb.KpiStatus_KPI_STATUS_GREEN
	case short <= th.AmberWithin+eps:
		return pb.KpiStatus_KPI_STATUS_AMBER
	}
	return pb.KpiStatus_KPI_STATUS_RED
}

// period is a measurement as the status rule reads it.
type period struct {
	end   string
	value float64
}

// statusOf is a KPI's status given its latest measurements (newest first),
// the versions of its targets (targets.go) and today's date: a closed
// KPI's is final, never late.
func statusOf(k *pb.Kpi, latest []period, versions []*pb.TargetVersion, today string) pb.KpiStatus {
	if len(latest) == 0 {
		return pb.KpiStatus_KPI_STATUS_NO_DATA
	}
	if k.Closure == pb.Kpi_CLOSURE_UNSPECIFIED && after(today, dueDate(latest[0].end, k.Frequency)) {
		return pb.KpiStatus_KPI_STATUS_OVERDUE
	}
	return colour(inForce(k, versions, latest[0].end), latest[0].value, latest[0].end)
}

// closureOf is why a KPI expects no more values today, given whether it is
// retired and its element's status and end date ("" when not known);
// CLOSURE_UNSPECIFIED while it is open.
func closureOf(retired bool, element planningpb.Status, elementEnd, today string) pb.Kpi_Closure {
	switch {
	case retired:
		return pb.Kpi_CLOSURE_RETIRED
	case element == planningpb.Status_STATUS_DONE:
		return pb.Kpi_CLOSURE_ELEMENT_DONE
	case element == planningpb.Status_STATUS_DROPPED:
		return pb.Kpi_CLOSURE_ELEMENT_DROPPED
	case elementEnd != "" && elementEnd < today:
		return pb.Kpi_CLOSURE_HORIZON_ENDED
	}
	return pb.Kpi_CLOSURE_UNSPECIFIED
}

// lastDate is the last date the API holds; a due date past it is due then.
var lastDate = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// graceDays is how long after the end of a period its value may arrive.
var graceDays = map[pb.Frequency]int{
	pb.Frequency_FREQUENCY_WEEKLY:    3,
	pb.Frequency_FREQUENCY_MONTHLY:   10,
	pb.Frequency_FREQUENCY_QUARTERLY: 20,
	pb.Frequency_FREQUENCY_YEARLY:    30,
}

// dueDate is the last day the value after the one for period may arrive:
// the end of the next period plus a grace, at the latest lastDate (so that
// it stays a four-digit year, which compares as a date in the overdue
// sweep's SQL).
func dueDate(period string, f pb.Frequency) string {
	t, err := time.Parse(time.DateOnly, period)
	if err != nil {
		return ""
	}
	due := nextPeriodEnd(t, f).AddDate(0, 0, graceDays[f])
	if due.After(lastDate) {
		due = lastDate
	}
	return due.Format(time.DateOnly)
}

// nextPeriodEnd is the end of the reporting period after the one ending
// at t; t itself for a KPI without a frequency.
func nextPeriodEnd(t time.Time, f pb.Frequency) time.Time {
	switch f {
	case pb.Frequency_FREQUENCY_WEEKLY:
		return t.AddDate(0, 0, 7)
	case pb.Frequency_FREQUENCY_MONTHLY:
		return addMonths(t, 1)
	case pb.Frequency_FREQUENCY_QUARTERLY:
		return addMonths(t, 3)
	case pb.Frequency_FREQUENCY_YEARLY:
		return addMonths(t, 12)
	}
	return t
}

// periodProblem says why a value may not be recorded for the period ending
// periodEnd (YYYY-MM-DD) today, "" when it may. A period may end at most one
// reporting period after today, so that the value of the period under way
// can be recorded, but not one whose far-off end would keep it the latest
// value, and its colour the KPI's status, for years.
func periodProblem(periodEnd string, f pb.Frequency, today string) string {
	t, _ := time.Parse(time.DateOnly, today)
	limit := nextPeriodEnd(t, f).Format(time.DateOnly)
	if after(periodEnd, limit) {
		return fmt.Sprintf("ends after %s, more than one reporting period after today (%s); record values for periods that have ended or are under way", limit, today)
	}
	return ""
}

// after reports whether date a is after date b (both YYYY-MM-DD), compared
// as dates: as strings, a five-digit year sorts before a four-digit one.
func after(a, b string) bool {
	ta, errA := time.Parse(time.DateOnly, a)
	tb, errB := time.Parse(time.DateOnly, b)
	return errA == nil && errB == nil && ta.After(tb)
}

// addMonths moves a period end by n months, keeping month ends at month
// ends (31 January + 1 month is 28 or 29 February, not 3 March).
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}

// trendOf compares the latest value with the mean of the up to three before
// it, in the KPI's direction (for a band: closeness to its middle).
func trendOf(k *pb.Kpi, latest []period) pb.Trend {
	if len(latest) < 2 {
		return pb.Trend_TREND_UNSPECIFIED
	}
	before := latest[1:min(len(latest), 4)]
	var mean float64
	for _, p := range before {
		mean += p.value
	}
	mean /= float64(len(before))
	now := latest[0].value
	better := now - mean // higher is better
	switch k.Direction {
	case pb.Direction_DIRECTION_LOWER_IS_BETTER:
		better = mean - now
	case pb.Direction_DIRECTION_WITHIN_BAND:
		mid := (k.Thresholds.GetGreenLow() + k.Thresholds.GetGreenHigh()) / 2
		better = math.Abs(mean-mid) - math.Abs(now-mid)
	}
	switch tolerance := math.Abs(mean) / 100; {
	case better > tolerance:
		return pb.Trend_TREND_IMPROVING
	case better < -tolerance:
		return pb.Trend_TREND_WORSENING
	}
	return pb.Trend_TREND_STEADY
}

// sortTargets orders targets by period end.
func sortTargets(ts []*pb.Target) {
	slices.SortFunc(ts, func(a, b *pb.Target) int {
		switch x, y := dates.Format(a.PeriodEnd), dates.Format(b.PeriodEnd); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
}

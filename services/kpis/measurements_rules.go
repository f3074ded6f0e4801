package kpis

import (
	"fmt"
	"slices"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// The rules of a measurement: what may be recorded, and what a correction
// makes of one, as pure functions tested without a database
// (measurements_rules_test.go). Which periods may be recorded today is the
// status rule's (periodProblem in status.go).

// correct returns the measurement a correction makes of current: change's
// fields in paths (its update_mask checked by MaskPaths; mask is the mask
// as sent). The period cannot change: that is another measurement. The
// value, note and source a correction replaces stay in the history, as
// corrected by actor at t; a correction that replaces none of them returns
// a copy of current.
func correct(current, change *pb.Measurement, mask, paths []string, actor string, t *timestamppb.Timestamp) (*pb.Measurement, error) {
	if slices.Contains(mask, "period_end") && change.PeriodEnd != nil && dates.Format(change.PeriodEnd) != dates.Format(current.PeriodEnd) {
		return nil, apierr.InvalidArgument("measurement.period_end", "cannot change; delete this value and record the other period")
	}
	next := resource.ApplyMask(current, change, paths)
	if next.GetValue() == current.GetValue() && next.Note == current.Note && next.Source == current.Source {
		return next, nil
	}
	next.History = append(next.History, &pb.Correction{Value: current.GetValue(), Note: current.Note, Source: current.Source,
		Actor: actor, Time: t})
	return next, nil
}

// dateRange is the stored form of a List's optional dates, "" for none.
func dateRange(start, end *date.Date) (from, to string, err error) {
	if start != nil {
		if err := dates.Check("start_date", start); err != nil {
			return "", "", err
		}
		from = dates.Format(start)
	}
	if end != nil {
		if err := dates.Check("end_date", end); err != nil {
			return "", "", err
		}
		to = dates.Format(end)
	}
	return from, to, nil
}

// row is a measurement to record and where it came from, for naming it in
// errors: at prefixes field paths (requests[3].), line is its CSV line.
type row struct {
	kpi  string
	m    *pb.Measurement
	key  idempotency.Key
	at   string
	line int
}

func (r row) violation(field, description string) apierr.FieldViolation {
	if r.line > 0 {
		return apierr.FieldViolation{Field: "csv", Description: fmt.Sprintf("line %d: %s: %s", r.line, field, description)}
	}
	return apierr.FieldViolation{Field: r.at + field, Description: description}
}

// checkRows checks each row on its own: its KPI must be one of the
// organisation orgID, its period a calendar date. It returns each row's
// KPI id ("" for a row whose parent is not such a KPI) and the bad rows.
func checkRows(orgID string, rows []row) (kpiIDs []string, bad []apierr.FieldViolation) {
	kpiIDs = make([]string, len(rows))
	for i, r := range rows {
		id, err := resource.InOrganisation("parent", "kpis", orgID, r.kpi)
		if err != nil {
			bad = append(bad, r.violation("parent", "must be a KPI of organisations/"+orgID))
			continue
		}
		kpiIDs[i] = id
		if r.m.PeriodEnd == nil {
			bad = append(bad, r.violation("measurement.period_end", "is required"))
		} else if err := dates.Check("period_end", r.m.PeriodEnd); err != nil {
			bad = append(bad, r.violation("measurement.period_end", "is not a calendar date"))
		}
	}
	return kpiIDs, bad
}

// checkRecordable checks each row against its KPI (kpis by id): the KPI
// must exist and be live, and the period be one a value may be recorded
// for on the day today. missing reports a row whose KPI does not exist or
// is deleted. Rows without a KPI id were reported by checkRows.
func checkRecordable(rows []row, kpiIDs []string, kpis map[string]*kpiRecord, today string) (bad []apierr.FieldViolation, missing bool) {
	for i, r := range rows {
		k := kpis[kpiIDs[i]]
		switch {
		case kpiIDs[i] == "":
		case k == nil || k.Msg.DeleteTime != nil:
			bad = append(bad, r.violation("parent", "no such KPI: "+r.kpi))
			missing = true
		case r.m.PeriodEnd != nil:
			if p := periodProblem(dates.Format(r.m.PeriodEnd), k.Msg.Frequency, today); p != "" {
				bad = append(bad, r.violation("measurement.period_end", p))
			}
		}
	}
	return bad, missing
}

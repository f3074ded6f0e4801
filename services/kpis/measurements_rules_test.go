package kpis

import (
	"fmt"
	"slices"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// TestCorrect: what a correction makes of a measurement. history is the
// correction it adds to the history, nil when it adds none.
func TestCorrect(t *testing.T) {
	at := timestamppb.New(timestamppb.Now().AsTime())
	current := func() *pb.Measurement {
		return &pb.Measurement{Name: "organisations/acme/kpis/k/measurements/m", PeriodEnd: d(2026, 6, 30), Value: proto.Float64(82),
			Note: "survey", Source: "panel", Etag: "3",
			History: []*pb.Correction{{Value: 80, Actor: "people/earlier", Time: timestamppb.New(at.AsTime().AddDate(0, 0, -1))}}}
	}
	older := &pb.Correction{Value: 82, Note: "survey", Source: "panel", Actor: "people/ann", Time: at}
	for _, tc := range []struct {
		name    string
		change  *pb.Measurement
		mask    []string
		field   string
		want    func(m *pb.Measurement) // the fields the correction sets
		history *pb.Correction
	}{
		{name: "a new value", change: &pb.Measurement{Value: proto.Float64(79)}, mask: []string{"value"},
			want: func(m *pb.Measurement) { m.Value = proto.Float64(79) }, history: older},
		{name: "a new note", change: &pb.Measurement{Note: "late returns"}, mask: []string{"note"},
			want: func(m *pb.Measurement) { m.Note = "late returns" }, history: older},
		{name: "a cleared source", change: &pb.Measurement{}, mask: []string{"source"},
			want: func(m *pb.Measurement) { m.Source = "" }, history: older},
		{name: "the same value", change: &pb.Measurement{Value: proto.Float64(82)}, mask: []string{"value"},
			want: func(*pb.Measurement) {}},
		{name: "the same values, all fields", change: &pb.Measurement{Value: proto.Float64(82), Note: "survey", Source: "panel"},
			want: func(*pb.Measurement) {}},
		{name: "the same period named", change: &pb.Measurement{PeriodEnd: d(2026, 6, 30), Value: proto.Float64(82)},
			mask: []string{"period_end", "value"}, want: func(*pb.Measurement) {}},
		{name: "another period named", change: &pb.Measurement{PeriodEnd: d(2026, 7, 31)}, mask: []string{"period_end"},
			field: "measurement.period_end"},
		{name: "another period not named", change: &pb.Measurement{PeriodEnd: d(2026, 7, 31), Note: "x"}, mask: []string{"note"},
			want: func(m *pb.Measurement) { m.Note = "x" }, history: older},
		// The proto's rules, which the engine applies next, refuse it.
		{name: "a value taken away", change: &pb.Measurement{}, mask: []string{"value"},
			want: func(m *pb.Measurement) { m.Value = nil }, history: older},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := current()
			paths := tc.mask
			if len(paths) == 0 {
				paths = measurementType.Updatable()
			}
			paths = slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return slices.Contains([]string{"period_end", "history"}, p) })
			got, err := correct(cur, tc.change, tc.mask, paths, "people/ann", at)
			if field := violated(t, err); field != tc.field {
				t.Fatalf("violation %q, want %q", field, tc.field)
			}
			if !proto.Equal(cur, current()) {
				t.Errorf("correct changed the current measurement: %v", cur)
			}
			if err != nil {
				return
			}
			want := current()
			tc.want(want)
			if tc.history != nil {
				want.History = append(want.History, tc.history)
			}
			if !proto.Equal(got, want) {
				t.Errorf("correct = %v\nwant %v", got, want)
			}
		})
	}
}

func TestDateRange(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to string
		field    string
	}{
		{"none", "", "", ""},
		{"both", "2026-01-01", "2026-03-31", ""},
		{"a start that is no date", "2026-02-30", "", "start_date"},
		{"an end that is no date", "", "2026-13-01", "end_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to, err := dateRange(parseDateLoose(tc.from), parseDateLoose(tc.to))
			if field := violated(t, err); field != tc.field {
				t.Fatalf("violation %q, want %q", field, tc.field)
			}
			if err == nil && (from != tc.from || to != tc.to) {
				t.Errorf("range %s..%s, want %s..%s", from, to, tc.from, tc.to)
			}
		})
	}
}

// TestRecordableRows: which rows of a batch are bad before anything is
// looked up in the store, and then against their KPIs.
func TestRecordableRows(t *testing.T) {
	const org, today = "acme", "2026-12-04"
	kpis := map[string]*kpiRecord{
		"live":    {Stored: resource.Hold(&pb.Kpi{Name: "organisations/acme/kpis/live", Frequency: pb.Frequency_FREQUENCY_MONTHLY})},
		"deleted": {Stored: resource.Hold(&pb.Kpi{Name: "organisations/acme/kpis/deleted", Frequency: pb.Frequency_FREQUENCY_MONTHLY, DeleteTime: timestamppb.Now()})},
	}
	for _, tc := range []struct {
		name    string
		kpi     string
		period  string // "" for none
		line    int
		field   string // the violation's field, "" for a good row
		missing bool
	}{
		{name: "good", kpi: "organisations/acme/kpis/live", period: "2026-11-30"},
		{name: "the period under way", kpi: "organisations/acme/kpis/live", period: "2026-12-31"},
		{name: "a KPI of another organisation", kpi: "organisations/other/kpis/live", period: "2026-11-30", field: "requests[0].parent"},
		{name: "no KPI at all", kpi: "organisations/acme", period: "2026-11-30", field: "requests[0].parent"},
		{name: "no period", kpi: "organisations/acme/kpis/live", field: "requests[0].measurement.period_end"},
		{name: "a period that is no date", kpi: "organisations/acme/kpis/live", period: "2026-02-30",
			field: "requests[0].measurement.period_end"},
		{name: "a period too far ahead", kpi: "organisations/acme/kpis/live", period: "2027-02-28",
			field: "requests[0].measurement.period_end"},
		{name: "an unknown KPI", kpi: "organisations/acme/kpis/ghost", period: "2026-11-30", field: "requests[0].parent", missing: true},
		{name: "a deleted KPI", kpi: "organisations/acme/kpis/deleted", period: "2026-11-30", field: "requests[0].parent", missing: true},
		{name: "a CSV line", kpi: "organisations/acme/kpis/live", period: "2027-02-28", line: 3, field: "csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := row{kpi: tc.kpi, m: &pb.Measurement{PeriodEnd: parseDateLoose(tc.period), Value: proto.Float64(1)}, line: tc.line}
			if tc.line == 0 {
				r.at = "requests[0]."
			}
			ids, bad := checkRows(org, []row{r})
			if len(bad) == 0 {
				var missing bool
				bad, missing = checkRecordable([]row{r}, ids, kpis, today)
				if missing != tc.missing {
					t.Errorf("missing = %v, want %v", missing, tc.missing)
				}
			}
			var fields []string
			for _, v := range bad {
				fields = append(fields, v.Field)
			}
			if want := []string{tc.field}; tc.field == "" && len(fields) > 0 || tc.field != "" && !slices.Equal(fields, want) {
				t.Errorf("violations %v, want %q", bad, tc.field)
			}
		})
	}
	// Every bad row is reported, each with its own prefix.
	rows := []row{{kpi: "organisations/other/kpis/live", at: "requests[0]."}, {kpi: "organisations/acme/kpis/live", at: "requests[1].",
		m: &pb.Measurement{}}, {kpi: "organisations/acme/kpis/live", at: "requests[2].", m: &pb.Measurement{PeriodEnd: d(2026, 11, 30)}}}
	ids, bad := checkRows(org, rows)
	if !slices.Equal(ids, []string{"", "live", "live"}) || !slices.Equal(bad, []apierr.FieldViolation{
		{Field: "requests[0].parent", Description: "must be a KPI of organisations/acme"},
		{Field: "requests[1].measurement.period_end", Description: "is required"},
	}) {
		t.Errorf("checkRows = %v, %v", ids, bad)
	}
}

// parseDateLoose reads YYYY-MM-DD into a date as sent, calendar date or
// not; "" is no date.
func parseDateLoose(s string) *date.Date {
	var y, m, day int32
	if _, err := fmt.Sscanf(s, "%d-%d-%d", &y, &m, &day); err != nil {
		return nil
	}
	return d(y, m, day)
}

package kpis

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// violated is the field an INVALID_ARGUMENT names, "" for no error.
func violated(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.FieldViolations) > 0 {
			return br.FieldViolations[0].Field
		}
	}
	t.Fatalf("%v names no field", err)
	return ""
}

// ruleKpi is a valid KPI of organisations/acme, its targets out of order.
func ruleKpi() *pb.Kpi {
	return &pb.Kpi{Title: "Satisfaction", Unit: pb.Unit_UNIT_PERCENT, Direction: pb.Direction_DIRECTION_HIGHER_IS_BETTER,
		Frequency: pb.Frequency_FREQUENCY_MONTHLY, Element: "organisations/acme/elements/tactic",
		OwnerTeam: "organisations/acme/teams/ops", Baseline: &pb.Baseline{Value: 70, Date: d(2025, 12, 31)},
		Targets:    []*pb.Target{{PeriodEnd: d(2026, 12, 31), Value: 90}, {PeriodEnd: d(2026, 6, 30), Value: 80}},
		Thresholds: &pb.Thresholds{Kind: pb.Thresholds_KIND_RELATIVE, GreenWithin: 0, AmberWithin: 5}}
}

func TestCheckKpi(t *testing.T) {
	band := func(k *pb.Kpi) {
		k.Direction, k.Targets = pb.Direction_DIRECTION_WITHIN_BAND, nil
		k.Thresholds = &pb.Thresholds{Kind: pb.Thresholds_KIND_BAND, AmberLow: 90, GreenLow: 95, GreenHigh: 105, AmberHigh: 110}
	}
	for _, tc := range []struct {
		name  string
		mod   func(*pb.Kpi)
		field string
	}{
		{"valid", func(*pb.Kpi) {}, ""},
		{"no unit", func(k *pb.Kpi) { k.Unit = 0 }, "kpi.unit"},
		{"currency without code", func(k *pb.Kpi) { k.Unit = pb.Unit_UNIT_CURRENCY }, "kpi.currency_code"},
		{"currency with code", func(k *pb.Kpi) { k.Unit, k.CurrencyCode = pb.Unit_UNIT_CURRENCY, "GBP" }, ""},
		{"code without currency", func(k *pb.Kpi) { k.CurrencyCode = "GBP" }, "kpi.currency_code"},
		{"no direction", func(k *pb.Kpi) { k.Direction = 0 }, "kpi.direction"},
		{"no frequency", func(k *pb.Kpi) { k.Frequency = 0 }, "kpi.frequency"},
		{"no thresholds", func(k *pb.Kpi) { k.Thresholds = nil }, "kpi.thresholds.kind"},
		{"thresholds of no kind", func(k *pb.Kpi) { k.Thresholds.Kind = 0 }, "kpi.thresholds.kind"},
		{"band thresholds on a higher-is-better KPI", func(k *pb.Kpi) { k.Thresholds.Kind = pb.Thresholds_KIND_BAND }, "kpi.thresholds.kind"},
		{"band", band, ""},
		{"band direction, relative thresholds", func(k *pb.Kpi) {
			band(k)
			k.Thresholds.Kind = pb.Thresholds_KIND_RELATIVE
		}, "kpi.thresholds.kind"},
		{"band edges out of order", func(k *pb.Kpi) {
			band(k)
			k.Thresholds.GreenHigh = 94
		}, "kpi.thresholds"},
		{"amber inside green", func(k *pb.Kpi) { k.Thresholds.GreenWithin = 10 }, "kpi.thresholds.amber_within"},
		{"no targets", func(k *pb.Kpi) { k.Targets = nil }, "kpi.targets"},
		{"a target's period not a date, named as sent", func(k *pb.Kpi) { k.Targets[1].PeriodEnd = d(2026, 2, 30) }, "kpi.targets[1].period_end"},
		{"a target without a period", func(k *pb.Kpi) { k.Targets[0].PeriodEnd = nil }, "kpi.targets[0].period_end"},
		{"two targets for one period", func(k *pb.Kpi) { k.Targets[1].PeriodEnd = d(2026, 12, 31) }, "kpi.targets"},
		{"a baseline date that is no date", func(k *pb.Kpi) { k.Baseline.Date = d(2025, 4, 31) }, "kpi.baseline.date"},
		{"a baseline without a date", func(k *pb.Kpi) { k.Baseline.Date = nil }, ""},
		{"an element of another organisation", func(k *pb.Kpi) { k.Element = "organisations/other/elements/tactic" }, "kpi.element"},
		{"an element that is no element", func(k *pb.Kpi) { k.Element = "organisations/acme/teams/ops" }, "kpi.element"},
		{"a team of another organisation", func(k *pb.Kpi) { k.OwnerTeam = "organisations/other/teams/ops" }, "kpi.owner_team"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := ruleKpi()
			tc.mod(k)
			sent := proto.CloneOf(k)
			if got := violated(t, checkKpi("acme", k)); got != tc.field {
				t.Errorf("violation %q, want %q", got, tc.field)
			}
			if !proto.Equal(k, sent) {
				t.Errorf("checkKpi changed the KPI: %v, sent %v", k, sent)
			}
		})
	}
}

func TestNewKpi(t *testing.T) {
	in := ruleKpi()
	// Output-only fields in a create are not the caller's to set.
	in.Name, in.Etag, in.Status, in.LatestValue, in.ElementDeleted = "organisations/x/kpis/y", "7", pb.KpiStatus_KPI_STATUS_RED, 5, true
	k, err := newKpi("acme", "organisations/acme/kpis/k", in)
	if err != nil {
		t.Fatal(err)
	}
	want := ruleKpi()
	want.Name = "organisations/acme/kpis/k"
	want.Targets = []*pb.Target{want.Targets[1], want.Targets[0]}
	if !proto.Equal(k, want) {
		t.Errorf("newKpi = %v, want %v", k, want)
	}
	in.Unit = 0
	if got := violated(t, func() error { _, err := newKpi("acme", "organisations/acme/kpis/k", in); return err }()); got != "kpi.unit" {
		t.Errorf("a KPI without a unit: violation %q", got)
	}
}

// TestReviseKpi: what an update makes of a KPI, given the KPI with the
// update's fields; unchanged is whether the result equals the KPI as it
// was (an update that changes nothing).
func TestReviseKpi(t *testing.T) {
	current := func() *pb.Kpi {
		k, err := newKpi("acme", "organisations/acme/kpis/k", ruleKpi())
		if err != nil {
			t.Fatal(err)
		}
		k.ElementDeleted = true // its element was deleted meanwhile
		return k
	}
	for _, tc := range []struct {
		name           string
		mod            func(*pb.Kpi)
		field          string
		unchanged      bool
		elementDeleted bool
		movedFrom      string
	}{
		{name: "nothing", mod: func(*pb.Kpi) {}, unchanged: true, elementDeleted: true},
		{name: "the same targets in another order", mod: func(k *pb.Kpi) { slices.Reverse(k.Targets) }, unchanged: true, elementDeleted: true},
		{name: "a new title", mod: func(k *pb.Kpi) { k.Title = "New" }, elementDeleted: true},
		{name: "a new element", mod: func(k *pb.Kpi) { k.Element = "organisations/acme/elements/other" },
			movedFrom: "organisations/acme/elements/tactic"},
		{name: "an element of another organisation", mod: func(k *pb.Kpi) { k.Element = "organisations/other/elements/tactic" },
			field: "kpi.element"},
		{name: "no targets left", mod: func(k *pb.Kpi) { k.Targets = nil }, field: "kpi.targets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := current()
			next := proto.CloneOf(cur)
			tc.mod(next)
			got, err := reviseKpi("acme", cur, next)
			if field := violated(t, err); field != tc.field {
				t.Fatalf("violation %q, want %q", field, tc.field)
			}
			if err != nil {
				return
			}
			if proto.Equal(got, cur) != tc.unchanged {
				t.Errorf("unchanged = %v, want %v: %v", !tc.unchanged, tc.unchanged, got)
			}
			if !slices.IsSortedFunc(got.Targets, func(a, b *pb.Target) int {
				return strings.Compare(dates.Format(a.PeriodEnd), dates.Format(b.PeriodEnd))
			}) {
				t.Errorf("targets out of order: %v", got.Targets)
			}
			if got.ElementDeleted != tc.elementDeleted {
				t.Errorf("element_deleted = %v, want %v", got.ElementDeleted, tc.elementDeleted)
			}
			if m := movedFrom(cur, got); m != tc.movedFrom {
				t.Errorf("movedFrom = %q, want %q", m, tc.movedFrom)
			}
		})
	}
}

package text_test

import (
	"testing"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/text"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		s         string
		multiline bool
		ok        bool
	}{
		{"Craft Our Culture", false, true},
		{"Ünïcödé – “quoted” \uFFFD", false, true},
		{"line one\nline two\r\n\ttabbed", true, true},
		{"line one\nline two", false, false},
		{"tab\there", false, false},
		{"nul\x00", true, false},
		{"bell\a", true, false},
		{"escape\x1b[31m", true, false},
		{"delete\x7f", true, false},
		{"c1 \u0085", true, false},
		{"bad \xff utf-8", true, false},
		{"", false, true},
	} {
		if got := text.Problem(tc.s, tc.multiline); (got == "") != tc.ok {
			t.Errorf("Problem(%q, multiline=%v) = %q, want ok=%v", tc.s, tc.multiline, got, tc.ok)
		}
	}
}

func TestCheckNamesEveryField(t *testing.T) {
	req := &kpispb.BatchCreateMeasurementsRequest{Parent: "organisations/a", Requests: []*kpispb.CreateMeasurementRequest{
		{Parent: "organisations/a/kpis/k", Measurement: &kpispb.Measurement{Note: "two\nlines are fine in a note", Source: "ok"}},
		{Parent: "organisations/a/kpis/k", RequestId: "r\x00", Measurement: &kpispb.Measurement{Note: "nul\x00", Source: "two\nlines"}},
	}}
	got := map[string]bool{}
	for _, v := range text.Check(req) {
		got[v.Field] = true
	}
	want := []string{"requests[1].request_id", "requests[1].measurement.note", "requests[1].measurement.source"}
	for _, f := range want {
		if !got[f] {
			t.Errorf("no violation for %s in %v", f, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("violations for %v, want only %v", got, want)
	}
}

package dates

import (
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
)

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		d  *date.Date
		ok bool
	}{
		{&date.Date{Year: 2026, Month: 2, Day: 28}, true},
		{&date.Date{Year: 2024, Month: 2, Day: 29}, true},
		{&date.Date{Year: 2026, Month: 2, Day: 29}, false},
		{&date.Date{Year: 1, Month: 1, Day: 1}, true},
		{&date.Date{Year: 9999, Month: 12, Day: 31}, true},
		{&date.Date{Year: 10000, Month: 1, Day: 1}, false},
		{&date.Date{Year: 0, Month: 1, Day: 1}, false},
		{&date.Date{Year: 2026, Month: 13, Day: 1}, false},
		{nil, false},
	} {
		if err := Check("d", tc.d); (err == nil) != tc.ok {
			t.Errorf("Check(%v) = %v, want ok=%v", tc.d, err, tc.ok)
		}
	}
	if got := Format(Parse("0042-03-04")); got != "0042-03-04" {
		t.Errorf("round trip: %s", got)
	}
	if Parse("2026-02-30") != nil || Parse("soon") != nil {
		t.Error("Parse took a date that is not one")
	}
	if Nullable(nil) != nil || Nullable(Parse("2026-01-02")) != "2026-01-02" {
		t.Error("Nullable")
	}
}

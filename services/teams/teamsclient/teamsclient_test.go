package teamsclient

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

func TestInTerm(t *testing.T) {
	now := time.Date(2026, 12, 4, 23, 59, 0, 0, time.UTC)
	d := func(y, m, day int32) *date.Date { return &date.Date{Year: y, Month: m, Day: day} }
	for _, tc := range []struct {
		name       string
		start, end *date.Date
		want       bool
	}{
		{"started, open-ended", d(2026, 1, 1), nil, true},
		{"starts today", d(2026, 12, 4), nil, true},
		{"starts tomorrow", d(2026, 12, 5), nil, false},
		{"ends today", d(2026, 1, 1), d(2026, 12, 4), true},
		{"ended yesterday", d(2026, 1, 1), d(2026, 12, 3), false},
		{"a future term", d(2027, 1, 1), d(2027, 12, 31), false},
	} {
		if got := inTerm(&teamspb.Member{StartDate: tc.start, EndDate: tc.end}, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

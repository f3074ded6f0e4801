package host

import (
	"flag"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/events"
)

// TestStreamLimits: the flags' defaults are the events package's, an
// operator's 0 lifts a limit, a negative one is refused, and settings
// without limits get the defaults.
func TestStreamLimits(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		maxAge        time.Duration
		maxBytes      int64
		wantCheckFail bool
	}{
		{nil, events.DefaultStreamMaxAge, events.DefaultStreamMaxBytes, false},
		{[]string{"-stream-max-age", "0", "-stream-max-bytes", "0"}, events.NoLimit, events.NoLimit, false},
		{[]string{"-stream-max-age", "720h", "-stream-max-bytes", "1048576"}, 720 * time.Hour, 1 << 20, false},
		{[]string{"-stream-max-age", "-1h"}, 0, 0, true},
		{[]string{"-stream-max-bytes", "-5"}, 0, 0, true},
	} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		l := StreamFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if err := l.Check(); (err != nil) != tc.wantCheckFail {
			t.Errorf("%v: Check() = %v", tc.args, err)
			continue
		}
		if tc.wantCheckFail {
			continue
		}
		spec := l.stream("gt", "teams", 1)
		if spec.MaxAge != tc.maxAge || spec.MaxBytes != tc.maxBytes {
			t.Errorf("%v: stream limits %s, %d; want %s, %d", tc.args, spec.MaxAge, spec.MaxBytes, tc.maxAge, tc.maxBytes)
		}
	}
	var none *StreamLimits
	if spec := none.stream("gt", "teams", 1); spec.MaxAge != 0 || spec.MaxBytes != 0 {
		t.Errorf("no limits set: %s, %d; want the events package's defaults (0, 0)", spec.MaxAge, spec.MaxBytes)
	}
}

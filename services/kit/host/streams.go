package host

import (
	"flag"
	"fmt"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/events"
)

// StreamLimits are how much of its events a service's stream keeps, as an
// operator sets them: 0 lifts a limit (where a StreamSpec's 0 means the
// default).
type StreamLimits struct {
	// MaxAge is how long the stream keeps an event.
	MaxAge time.Duration
	// MaxBytes is the most the stream stores before it drops its oldest
	// events; JetStream reserves it as the stream is created.
	MaxBytes int64
}

// StreamFlags defines -stream-max-age and -stream-max-bytes, with the
// events package's defaults.
func StreamFlags(fs *flag.FlagSet) *StreamLimits {
	l := &StreamLimits{}
	fs.DurationVar(&l.MaxAge, "stream-max-age", events.DefaultStreamMaxAge,
		"how long a service's stream keeps an event, e.g. 720h; 0 keeps every event")
	fs.Int64Var(&l.MaxBytes, "stream-max-bytes", events.DefaultStreamMaxBytes,
		"most bytes a service's stream stores before dropping its oldest events (JetStream reserves them up front); 0 lets it grow")
	return l
}

// Check refuses negative limits.
func (l StreamLimits) Check() error {
	if l.MaxAge < 0 {
		return fmt.Errorf("-stream-max-age %s: must be 0 (keep every event) or more", l.MaxAge)
	}
	if l.MaxBytes < 0 {
		return fmt.Errorf("-stream-max-bytes %d: must be 0 (no size limit) or more", l.MaxBytes)
	}
	return nil
}

// stream is the spec of the stream service publishes to, with limits l;
// nil (Settings that set none) is the events package's defaults.
func (l *StreamLimits) stream(prefix, service string, replicas int) events.StreamSpec {
	spec := events.ServiceStream(prefix, service, replicas, 0)
	if l != nil {
		spec.MaxAge, spec.MaxBytes = lift(l.MaxAge), lift(l.MaxBytes)
	}
	return spec
}

// lift is a limit as a StreamSpec holds it: an operator's 0 is no limit.
func lift[T time.Duration | int64](v T) T {
	if v == 0 {
		return events.NoLimit
	}
	return v
}

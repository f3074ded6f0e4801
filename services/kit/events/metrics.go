package events

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of an event a consumer received, the result label of
// goldenthread_events_consumed_total.
const (
	// ResultHandled: the handler's effect committed.
	ResultHandled = "handled"
	// ResultDuplicate: the inbox already held the event (a redelivery, or
	// another replica handled it); the handler was not called.
	ResultDuplicate = "duplicate"
	// ResultRetry: the handler failed; the event comes back later.
	ResultRetry = "retry"
	// ResultTerminated: malformed, claiming a producer its subject does not
	// name, or permanently failing; never retried.
	ResultTerminated = "terminated"
)

// consumed counts the events consumers received, by outcome. It is shared
// by every consumer of the process and registered on each metrics registry
// by RegisterMetrics.
var consumed = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "goldenthread_events_consumed_total",
	Help: "Events received by durable consumers, by consumer, stream and result (handled, duplicate, retry, terminated).",
}, []string{"consumer", "stream", "result"})

// RegisterMetrics adds the consumers' metrics to reg.
func RegisterMetrics(reg prometheus.Registerer) error {
	return reg.Register(consumed)
}

package events

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of an event a consumer received, the result label of
// goldenthread_events_consumed_total.
const (
	// ResultHandled: the handler's effect committed.
	ResultHandled = "handled"
	// ResultIgnored: no handler of the consumer has anything to do with
	// the event (see Handlers and Gate); acknowledged without a
	// transaction.
	ResultIgnored = "ignored"
	// ResultDuplicate: the inbox already held the event (a redelivery, or
	// another replica handled it); the handler was not called.
	ResultDuplicate = "duplicate"
	// ResultRetry: the handler failed; the event comes back later.
	ResultRetry = "retry"
	// ResultExhausted: the handler failed on the last delivery the
	// consumer allows (ConsumerSpec.MaxDeliver); JetStream gives the event
	// up, and it becomes a dead letter.
	ResultExhausted = "exhausted"
	// ResultTerminated: malformed, claiming a producer its subject does not
	// name, or permanently failing; never retried.
	ResultTerminated = "terminated"
)

// consumed counts the events consumers received, by outcome. It is shared
// by every consumer of the process and registered on each metrics registry
// by RegisterMetrics.
var consumed = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "goldenthread_events_consumed_total",
	Help: "Events received by durable consumers, by consumer, stream and result (handled, ignored, duplicate, retry, exhausted, terminated).",
}, []string{"consumer", "stream", "result"})

// deadLetters counts the dead letters consumers recorded (see
// DeadLetterAdvisory). Each is counted by the one process that recorded
// it, however many replicas of the consumer heard of it.
var deadLetters = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "goldenthread_events_dead_letters_total",
	Help: "Events that durable consumers gave up on after their last delivery and recorded in dead_letters, by consumer and stream.",
}, []string{"consumer", "stream"})

// pending and unacknowledged are each consumer's lag, as JetStream last
// reported it: the events of its stream not yet delivered to it, and those
// delivered and not yet acknowledged (being handled, or awaiting a retry).
var (
	pending = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "goldenthread_events_consumer_pending",
		Help: "Events of the stream not yet delivered to the durable consumer, by consumer and stream.",
	}, []string{"consumer", "stream"})
	unacknowledged = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "goldenthread_events_consumer_unacknowledged",
		Help: "Events delivered to the durable consumer and not yet acknowledged (being handled or awaiting a retry), by consumer and stream.",
	}, []string{"consumer", "stream"})
)

// RegisterMetrics adds the consumers' metrics to reg.
func RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{consumed, deadLetters, pending, unacknowledged} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

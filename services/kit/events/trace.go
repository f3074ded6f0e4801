package events

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// tracer names the spans of publishing and handling events.
var tracer = otel.Tracer("github.com/goldenthread/goldenthread/services/kit/events")

// TraceOf is the W3C trace context of ctx, as an event carries it: empty
// when ctx is not in a recorded trace.
func TraceOf(ctx context.Context) (traceParent, traceState string) {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	return carrier["traceparent"], carrier["tracestate"]
}

// Trace starts the span of an event's step (kind: trace.SpanKindProducer
// as the relay publishes it, trace.SpanKindConsumer as a consumer handles
// it) in the trace the event carries, and returns the context to do the
// step in. An event without a trace context starts none: a step is traced
// only when the change it follows was.
func (e Event) Trace(ctx context.Context, kind trace.SpanKind, consumer string) (context.Context, trace.Span) {
	if e.TraceParent == "" {
		return ctx, trace.SpanFromContext(context.Background()) // a no-op span
	}
	parent := otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier{"traceparent": e.TraceParent, "tracestate": e.TraceState})
	op, name := "process", e.Type
	if kind == trace.SpanKindProducer {
		op = "publish"
	}
	attrs := []attribute.KeyValue{
		semconv.MessagingSystemKey.String("nats"),
		semconv.MessagingDestinationName(e.NATSSubject),
		semconv.MessagingMessageID(e.ID),
		semconv.MessagingOperationName(op),
		attribute.String("cloudevents.event_subject", e.Subject),
	}
	if consumer != "" {
		attrs = append(attrs, semconv.MessagingConsumerGroupName(consumer))
	}
	return tracer.Start(parent, op+" "+name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}

// Package tracing sets up OpenTelemetry tracing for a process: W3C trace
// context propagation, and an OTLP/HTTP exporter when the standard
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variable
// is set (the exporter reads the other OTEL_EXPORTER_OTLP_* variables
// itself: headers, timeout, compression). Without one, nothing is traced
// and the gRPC and HTTP instrumentation is left out (see Active): set the
// variables on every process a trace should go through.
package tracing

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Enabled says whether the environment asks for traces to be exported.
func Enabled() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// active is set once a tracer provider that records spans is installed.
var active atomic.Bool

// Active says whether spans are recorded in this process (Start found an
// exporter, or a test called Use). The gRPC and HTTP instrumentation is
// installed only then, so that a process that traces nothing pays nothing
// for it on each call.
func Active() bool { return active.Load() }

// Use installs provider as the process's tracer provider, with W3C trace
// context propagation: for tests, which record spans in memory.
func Use(provider trace.TracerProvider) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	otel.SetTracerProvider(provider)
	active.Store(true)
}

// flushTimeout bounds how long a process that is stopping waits for its
// last spans to be exported.
const flushTimeout = 5 * time.Second

// Start installs the propagator and, when Enabled, an exporting tracer
// provider for the process named service (OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES override and add to it). The stop it returns
// exports the spans not yet exported, for at most a few seconds; call it
// before the process exits.
func Start(ctx context.Context, service string) (stop func(), err error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if !Enabled() {
		return func() {}, nil
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// Later options override earlier ones: the environment the name.
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName(service)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	Use(provider)
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		_ = provider.Shutdown(ctx)
	}, nil
}

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/tracing"
)

// TestOneTraceFromRESTToTheVision: a KPI value recorded through REST, with
// the caller's traceparent, is one trace: the gateway's request, its call
// to the KPI service, the relay publishing the KPI's change, the planning
// service handling it, and the planning service's own change (the vision
// turning red) published in turn — recorded with an in-memory exporter.
func TestOneTraceFromRESTToTheVision(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tracing.Use(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	p, _ := launch(t, t.TempDir())
	base := "http://" + p.httpAddr
	must := func(method, path, body string) {
		t.Helper()
		if code, reply := httpDo(t, p.adminToken, method, base+path, body); code != 200 {
			t.Fatalf("%s %s: %d %s", method, path, code, reply)
		}
	}
	must("POST", "/v1/organisations?organisation_id=traced", `{"display_name":"Traced Council","kind":"KIND_COUNCIL"}`)
	must("POST", "/v1/organisations/traced/teams?team_id=board", `{"display_name":"Board","kind":"KIND_LEADERSHIP"}`)
	must("POST", "/v1/organisations/traced/elements?element_id=vision", `{"level":"LEVEL_VISION","title":"A council people trust",`+
		`"owner_team":"organisations/traced/teams/board","start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`)
	must("POST", "/v1/organisations/traced/kpis?kpi_id=trust", `{"title":"Residents who trust the council","unit":"UNIT_PERCENT",`+
		`"direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_YEARLY","element":"organisations/traced/elements/vision",`+
		`"owner_team":"organisations/traced/teams/board","targets":[{"period_end":{"year":2099,"month":12,"day":31},"value":80}],`+
		`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":0,"amber_within":10}}`)

	// The caller's own trace: the value, far below target, turns the KPI
	// and then the vision red.
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	req, err := http.NewRequest("POST", base+"/v1/organisations/traced/kpis/trust/measurements",
		strings.NewReader(fmt.Sprintf(`{"period_end":{"year":%d,"month":12,"day":31},"value":40}`, time.Now().Year())))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.adminToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID.String()+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("record the value: %d", resp.StatusCode)
	}

	// What the trace must hold, each step the child of one before it.
	type step struct {
		what string
		is   func(s sdktrace.ReadOnlySpan) bool
	}
	attr := func(s sdktrace.ReadOnlySpan, key attribute.Key) string {
		for _, kv := range s.Attributes() {
			if kv.Key == key {
				return kv.Value.Emit()
			}
		}
		return ""
	}
	steps := []step{
		{"the gateway's REST request", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindServer && strings.HasPrefix(s.Name(), "POST /v1/") && strings.HasSuffix(s.Name(), "/measurements")
		}},
		{"the gateway's call to the KPI service", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindClient && strings.Contains(s.Name(), "MeasurementsService/")
		}},
		{"the KPI service serving it", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindServer && strings.Contains(s.Name(), "MeasurementsService/")
		}},
		{"the relay publishing the KPI's new status", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindProducer && strings.HasPrefix(attr(s, semconv.MessagingDestinationNameKey), "goldenthread.kpis.") &&
				strings.Contains(s.Name(), "KpiStatusChanged")
		}},
		{"the planning service handling it", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindConsumer && attr(s, semconv.MessagingConsumerGroupNameKey) == "planning" &&
				strings.Contains(s.Name(), "KpiStatusChanged")
		}},
		{"the planning service publishing the vision's change", func(s sdktrace.ReadOnlySpan) bool {
			return s.SpanKind() == trace.SpanKindProducer && strings.HasPrefix(attr(s, semconv.MessagingDestinationNameKey), "goldenthread.planning.") &&
				attr(s, "cloudevents.event_subject") == "organisations/traced/elements/vision"
		}},
	}
	var found []sdktrace.ReadOnlySpan
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, s := range recorder.Ended() {
			if s.SpanContext().TraceID() == traceID {
				t.Logf("span %s %s (%s) parent %s %v", s.SpanContext().SpanID(), s.Name(), s.SpanKind(), s.Parent().SpanID(), s.Attributes())
			}
		}
		t.Logf("steps found: %d", len(found))
	})
	apitest.Eventually(t, 20*time.Second, "the trace never reached the vision", func() bool {
		found = found[:0]
		byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
		for _, s := range recorder.Ended() {
			if s.SpanContext().TraceID() == traceID {
				byID[s.SpanContext().SpanID()] = s
			}
		}
		// Each step is a descendant of the one before: follow parents.
		descends := func(s, from sdktrace.ReadOnlySpan) bool {
			for p, ok := s, true; ok; p, ok = byID[p.Parent().SpanID()] {
				if p.SpanContext().SpanID() == from.SpanContext().SpanID() {
					return true
				}
			}
			return false
		}
		for _, st := range steps {
			var match sdktrace.ReadOnlySpan
			for _, s := range byID {
				if st.is(s) && (len(found) == 0 || descends(s, found[len(found)-1])) {
					match = s
					break
				}
			}
			if match == nil {
				return false
			}
			found = append(found, match)
		}
		return true
	})
	for i, s := range found {
		t.Logf("%d. %s: %s (%s)", i+1, steps[i].what, s.Name(), s.SpanKind())
	}
	if root := found[0].Parent(); !root.IsRemote() || root.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("the gateway's span does not continue the caller's traceparent: parent %v", root)
	}
	_, body := httpDo(t, p.adminToken, "GET", base+"/v1/organisations/traced/elements/vision", "")
	if !strings.Contains(body, "HEALTH_OFF_TRACK") {
		t.Errorf("the vision is not red: %s", body)
	}
}

package gateway_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestHTTPMetrics: the gateway counts and times every request by route
// (the REST route's template, not the URL with its ids), method and code.
func TestHTTPMetrics(t *testing.T) {
	b := startServices(t)
	reg := prometheus.NewRegistry()
	cfg := b.config()
	cfg.Metrics = reg
	srv := startGateway(t, cfg, b.admin)

	do(t, srv, "POST", "/v1/organisations?organisation_id=metered", `{"display_name": "Metered", "kind": "KIND_COUNCIL"}`).want(t, 200, "")
	do(t, srv, "GET", "/v1/organisations/metered", "").want(t, 200, "")
	do(t, srv, "GET", "/v1/organisations/nowhere", "").want(t, 404, "")
	do(t, srv, "GET", "/healthz", "").want(t, 200, "")
	do(t, srv, "BREW", "/healthz", "")

	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{code="200",method="POST",route="/v1/organisations"} 1`,
		`http_requests_total{code="200",method="GET",route="/v1/{name=organisations/*}"} 1`,
		`http_requests_total{code="404",method="GET",route="/v1/{name=organisations/*}"} 1`,
		`http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/v1/{name=organisations/*}"} 2`,
		`method="other"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "metered") || strings.Contains(body, "BREW") {
		t.Errorf("a series names what a caller sent:\n%s", body)
	}
}

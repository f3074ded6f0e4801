package gateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics are the gateway's RED metrics: requests by route, method and
// status code, and how long they took, by route and method.
type httpMetrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

// newHTTPMetrics registers the metrics with reg.
func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests the gateway answered, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time the gateway took to answer HTTP requests, by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.seconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe counts a request answered with code after d.
func (m *httpMetrics) observe(route, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.seconds.WithLabelValues(route, method).Observe(d.Seconds())
}

// routeKey holds, in a request's context, where the REST route serving it
// notes its path template (noteRoute), so that requests are counted by
// route, not by URL, whose ids would make a series each.
type routeKey struct{}

// noteRoute is the grpc-gateway middleware that notes the REST route's path
// template (/v1/{name=organisations/*/kpis/*}, say).
func noteRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if slot, ok := r.Context().Value(routeKey{}).(*string); ok {
			if pattern, ok := runtime.HTTPPattern(r.Context()); ok {
				*slot = pattern.String()
			}
		}
		next(w, r, params)
	}
}

// routeOf is the route of a request that has been served: the REST route's
// path template, else the pattern of the gateway's own route that served
// it (the event stream, the public pages, the web client).
func routeOf(r *http.Request, rest string) string {
	if rest != "" {
		return rest
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

// methodOf is r's method, or "other" for one no route serves, so that a
// caller cannot make a series per made-up method.
func methodOf(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return r.Method
	}
	return "other"
}

package pd

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count the HTTP requests of every Client sharing them. Create them
// once per process (NewMetrics registers them).
type Metrics struct {
	// Requests counts requests by operation (method and path template, such
	// as "POST /incidents/{id}/notes") and status class: 2xx, 3xx, 4xx, 429,
	// 5xx, error (no answer) or refused (a write Noctuary never makes).
	Requests *prometheus.CounterVec
}

// NewMetrics creates the PagerDuty client metrics and registers them on reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_pagerduty_requests_total",
		Help: "PagerDuty REST API requests, by operation and status class (2xx, 4xx, 429, 5xx, error, refused).",
	}, []string{"op", "status"})}
	if reg != nil {
		reg.MustRegister(m.Requests)
	}
	return m
}

// observe counts one request; m may be nil.
func (m *Metrics) observe(req *http.Request, resp *http.Response, refused bool) {
	if m == nil {
		return
	}
	m.Requests.WithLabelValues(operation(req), statusClass(resp, refused)).Inc()
}

// operation is the request's method and path, with IDs replaced by {id}
// (PagerDuty IDs hold capitals or digits; path words are lower case).
func operation(req *http.Request) string {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	for i, p := range parts {
		if strings.ContainsAny(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
			parts[i] = "{id}"
		}
	}
	return req.Method + " /" + strings.Join(parts, "/")
}

func statusClass(resp *http.Response, refused bool) string {
	switch {
	case refused:
		return "refused"
	case resp == nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests:
		return "429"
	}
	return strconv.Itoa(resp.StatusCode/100) + "xx"
}

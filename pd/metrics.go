package pd

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// Metrics count the HTTP requests of every Client sharing them. Create them
// once per process (NewMetrics registers them).
type Metrics struct {
	// Requests counts requests by operation (method and path template, such
	// as "POST /incidents/{id}/notes"), status class (2xx, 3xx, 4xx, 429,
	// 5xx, error: no answer, or refused: a write Noctuary never makes) and
	// the key it went with, by its place (keyLabel).
	Requests *prometheus.CounterVec
	// BudgetWait is how long requests waited for their key's shared
	// budget, by the urgency of what they were for.
	BudgetWait *prometheus.HistogramVec
}

// NewMetrics creates the PagerDuty client metrics and registers them on reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_pagerduty_requests_total",
		Help: "PagerDuty REST API requests, by operation, status class (2xx, 4xx, 429, 5xx, error, refused) and key (main, extra-1, ..., oauth).",
	}, []string{"op", "status", "key"}),
		BudgetWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "noctuary_pagerduty_budget_wait_seconds",
			Help:    "How long PagerDuty requests waited for their key's shared request budget, by urgency (high, low).",
			Buckets: []float64{.001, .01, .1, .5, 1, 2, 5, 10, 30, 60, 120},
		}, []string{"urgency"}),
	}
	if reg != nil {
		reg.MustRegister(m.Requests, m.BudgetWait)
	}
	return m
}

// budgetWaited records how long a request of precedence p waited for the
// budget; m may be nil.
func (m *Metrics) budgetWaited(p noctuary.Precedence, d time.Duration) {
	if m == nil {
		return
	}
	m.BudgetWait.WithLabelValues(p.Urgency()).Observe(d.Seconds())
}

// observe counts one request sent with the key labelled key; m may be nil.
func (m *Metrics) observe(req *http.Request, key string, resp *http.Response, refused bool) {
	if m == nil {
		return
	}
	m.Requests.WithLabelValues(operation(req), statusClass(resp, refused), key).Inc()
}

// labelledExtraKeys is how many extra keys have a label of their own; later
// ones share "extra-more", so that a long list of keys adds few series.
const labelledExtraKeys = 9

// keyLabel names a client's key k for metrics by its place in the
// configuration, never by anything derived from its value: "main" (0),
// "extra-1" for the first of pagerduty_extra_tokens, and so on; "oauth"
// for an OAuth app.
func keyLabel(k int, oauth bool) string {
	switch {
	case oauth:
		return "oauth"
	case k == 0:
		return "main"
	case k > labelledExtraKeys:
		return "extra-more"
	}
	return "extra-" + strconv.Itoa(k)
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

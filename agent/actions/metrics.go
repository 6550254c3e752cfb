package actions

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// Metrics are the action runner's Prometheus metrics.
type Metrics struct {
	// Runs counts action runs (after their retries) by declared action name
	// and outcome: ok (2xx), 4xx, 5xx, other (another status) or error (no
	// answer: timeout, refused connection, invalid request).
	Runs *prometheus.CounterVec
}

// NewMetrics creates the runner's metrics and registers them on reg (nil:
// not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_actions_total",
		Help: "Action runs by declared action and outcome: ok, 4xx, 5xx, other, error.",
	}, []string{"action", "outcome"})}
	if reg != nil {
		reg.MustRegister(m.Runs)
	}
	return m
}

// outcome is the outcome label of a result.
func outcome(res noctuary.ActionResult) string {
	switch {
	case res.Err == nil:
		return "ok"
	case res.Status == 0:
		return "error"
	case res.Status >= 400 && res.Status < 600:
		return strconv.Itoa(res.Status/100) + "xx"
	}
	return "other"
}

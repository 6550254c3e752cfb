package bot

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a Slack job delivery, the outcome label of
// noctuary_slack_jobs_total.
const (
	jobDone         = "done"
	jobRetried      = "retried"
	jobDeadLettered = "dead_lettered"
)

// Metrics are the Slack bot's Prometheus metrics.
type Metrics struct {
	// Jobs counts Slack job deliveries by outcome: done, retried (failed,
	// left pending) or dead_lettered (failed for good or too often).
	Jobs *prometheus.CounterVec
	// Panics counts Slack job deliveries that panicked (recovered, counted
	// as failed deliveries).
	Panics prometheus.Counter
}

// NewMetrics creates the bot's metrics and registers them on reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noctuary_slack_jobs_total",
		Help: "Slack job deliveries (messages, updates, clicks), by outcome: done, retried, dead_lettered.",
	}, []string{"outcome"}), Panics: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "noctuary_slack_job_panics_total",
		Help: "Slack job deliveries that panicked; the panic is recovered and the delivery counts as failed.",
	})}
	if reg != nil {
		reg.MustRegister(m.Jobs, m.Panics)
	}
	return m
}

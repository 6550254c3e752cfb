package agent

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the worker's Prometheus metrics.
type Metrics struct {
	Triages      *prometheus.CounterVec
	NotEnabled   *prometheus.CounterVec
	Failures     prometheus.Counter
	DeadLettered prometheus.Counter
	Panics       prometheus.Counter
	// Latency is the time from webhook accepted to note delivered, by the
	// incident's urgency (high, low).
	Latency *prometheus.HistogramVec
	// Backlog counts the incidents this replica holds, triaging them or
	// waiting to post their note, by urgency.
	Backlog *prometheus.GaugeVec
	// LLMFallbacks counts heuristic hypotheses posted because the LLM
	// erred, timed out, was rate limited or answered something invalid.
	LLMFallbacks *prometheus.CounterVec
}

// NewMetrics creates the worker's metrics and registers them on reg (nil:
// not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Triages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_triages_total", Help: "Triages completed, by outcome (posted, dry_run, paused, already_done).",
		}, []string{"outcome"}),
		NotEnabled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_incidents_not_enabled_total", Help: "Incidents of services that are not enabled (no note), by service.",
		}, []string{"service"}),
		Failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_triage_failures_total", Help: "Triage attempts that failed and were left pending for a retry.",
		}),
		DeadLettered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_webhooks_dead_lettered_total", Help: "Webhook events moved to noctuary:webhooks:dead after too many deliveries.",
		}),
		Panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_triage_panics_total", Help: "Triage attempts that panicked (recovered; the entry is retried, then dead-lettered).",
		}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "noctuary_triage_latency_seconds", Help: "From webhook accepted to note posted, by the incident's urgency (high, low).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 15, 30, 60, 120},
		}, []string{"urgency"}),
		Backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "noctuary_triage_backlog", Help: "Incidents this replica holds, being triaged or waiting to post their note (for the PagerDuty budget), by urgency (high, low).",
		}, []string{"urgency"}),
		LLMFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_llm_fallbacks_total", Help: "Heuristic hypotheses posted instead of the LLM's, by reason (error, timeout, rate_limited, invalid).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.Triages, m.NotEnabled, m.Failures, m.DeadLettered, m.Panics, m.Latency, m.Backlog, m.LLMFallbacks)
	}
	return m
}

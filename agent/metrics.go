package agent

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

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
	// Phases splits a triage's time by phase (see phaseNames).
	Phases *prometheus.HistogramVec
	// NotesNotPosted counts the attempts to post a note that PagerDuty did
	// not take, by error code.
	NotesNotPosted *prometheus.CounterVec
}

// The phases of a triage that Metrics.Phases times: "queue" from webhook
// accepted to a worker picking the entry up (first deliveries only),
// "prepare" the incident's state, lock and earlier triage, "slot" the wait
// for a compute slot, "window" the window read, "correlate" the correlation
// and heuristic, "save" keeping the triage and queueing its Slack job,
// "post" the note's posting (the PagerDuty budget's wait included), and
// "finish" what follows: the delivered triage, audit, acknowledgement.
const (
	phaseQueue     = "queue"
	phasePrepare   = "prepare"
	phaseSlot      = "slot"
	phaseWindow    = "window"
	phaseCorrelate = "correlate"
	phaseSave      = "save"
	phasePost      = "post"
	phaseFinish    = "finish"
)

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
		Phases: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "noctuary_triage_phase_seconds", Help: "Time a triage spends in each phase: queue, prepare, slot, window, correlate, save, post, finish.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"phase"}),
		NotesNotPosted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_notes_not_posted_total", Help: "Attempts to post a triage's note that PagerDuty did not take, by error code (unavailable: retried until it does; forbidden, unauthorized, not_found, invalid, internal: dead-lettered on the last delivery).",
		}, []string{"code"}),
	}
	if reg != nil {
		reg.MustRegister(m.Triages, m.NotEnabled, m.Failures, m.DeadLettered, m.Panics, m.Latency, m.Backlog, m.LLMFallbacks, m.Phases, m.NotesNotPosted)
	}
	return m
}

// phases times one triage's phases, one after the other.
type phases struct {
	m  *Metrics
	at time.Time // when the current phase started
}

// done observes the current phase as name and starts the next.
func (p *phases) done(name string) {
	now := time.Now()
	p.m.Phases.WithLabelValues(name).Observe(now.Sub(p.at).Seconds())
	p.at = now
}

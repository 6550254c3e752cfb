package ingest

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a PagerDuty webhook delivery, the outcome label of
// noctuary_webhooks_total.
const (
	outcomeAccepted           = "accepted"
	outcomeDuplicate          = "duplicate"
	outcomeIgnored            = "ignored"
	outcomeBadSignature       = "bad_signature"
	outcomeMalformed          = "malformed"
	outcomeTooLarge           = "too_large"
	outcomeUnknownIntegration = "unknown_integration"
	outcomeUnavailable        = "unavailable"
)

// metrics are the server's Prometheus series.
type metrics struct {
	requests         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	webhooks         *prometheus.CounterVec
	oddFields        *prometheus.CounterVec
	eventsAccepted   prometheus.Counter
	eventsDuplicates prometheus.Counter
	eventsRejected   prometheus.Counter
	unmapped         *prometheus.CounterVec
	expired          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, st Store, log *slog.Logger) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_http_requests_total",
			Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "noctuary_http_request_duration_seconds",
			Help:    "HTTP request duration by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_webhooks_total",
			Help: "PagerDuty webhook deliveries by integration (empty when unknown) and outcome.",
		}, []string{"integration", "outcome"}),
		oddFields: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_webhook_odd_fields_total",
			Help: "Fields of accepted PagerDuty webhook events that were not of PagerDuty's shape and were read as absent, by field (such as data.priority).",
		}, []string{"field"}),
		eventsAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_events_accepted_total",
			Help: "ContextEvents stored.",
		}),
		eventsDuplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_events_duplicates_total",
			Help: "ContextEvents not stored because their id was already stored for the service.",
		}),
		eventsRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noctuary_events_rejected_total",
			Help: "ContextEvents refused because their batch held an invalid or out-of-scope event.",
		}),
		unmapped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_source_items_unmapped_total",
			Help: "Items of a source's payload (an alert, a repository's event, a Kubernetes Event) that map to no service, by source.",
		}, []string{"source"}),
		expired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noctuary_source_items_expired_total",
			Help: "Items of a source's payload not stored because they occurred before the event retention (named in the answer's \"expired\"), by source.",
		}, []string{"source"}),
	}
	reg.MustRegister(m.requests, m.duration, m.webhooks, m.oddFields, m.eventsAccepted, m.eventsDuplicates, m.eventsRejected, m.unmapped, m.expired,
		newStreamCollector(st, log), newFeedbackCollector(st, log), newIntegrationCollector(st, log))
	return m
}

// streamCollector exposes noctuary_stream_length from Store.StreamLengths at
// each scrape, and noctuary_store_up: whether that read succeeded.
type streamCollector struct {
	store Store
	log   *slog.Logger
	desc  *prometheus.Desc
	up    *prometheus.Desc
}

func newStreamCollector(st Store, log *slog.Logger) *streamCollector {
	return &streamCollector{store: st, log: log, desc: prometheus.NewDesc(
		"noctuary_stream_length", "Entries of a Redis stream (webhooks, webhooks_dead, webhooks_pending).",
		[]string{"stream"}, nil),
		up: prometheus.NewDesc("noctuary_store_up", "1 when the store (Redis) answered this scrape, 0 when it did not.", nil, nil)}
}

// Describe implements prometheus.Collector.
func (sc *streamCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sc.desc
	ch <- sc.up
}

// Collect implements prometheus.Collector. When Redis is down the lengths
// are left out and noctuary_store_up is 0; /readyz reports the outage.
func (sc *streamCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	lengths, err := sc.store.StreamLengths(ctx)
	if err != nil {
		sc.log.Warn("stream lengths unavailable for metrics", slog.Any("error", err))
		ch <- prometheus.MustNewConstMetric(sc.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(sc.up, prometheus.GaugeValue, 1)
	for name, n := range lengths {
		ch <- prometheus.MustNewConstMetric(sc.desc, prometheus.GaugeValue, float64(n), name)
	}
}

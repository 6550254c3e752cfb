package ingest

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// integrationCollector exposes, at each scrape, noctuary_integration_enabled_services:
// for each integration, the enabled services of its environment (an
// integration delivers the incidents of its environment's services). The
// alert NoctuaryNoWebhooks (deployments/prometheus/alerts.yaml) joins it with
// noctuary_webhooks_total: an integration with enabled services that
// delivered no signed webhook for hours may be one whose subscription
// PagerDuty disabled after three failed deliveries.
type integrationCollector struct {
	store Store
	log   *slog.Logger
	desc  *prometheus.Desc
}

func newIntegrationCollector(st Store, log *slog.Logger) *integrationCollector {
	return &integrationCollector{store: st, log: log, desc: prometheus.NewDesc("noctuary_integration_enabled_services",
		"Enabled, unpaused services of the integration's environment, by integration.", []string{"integration"}, nil)}
}

// Describe implements prometheus.Collector.
func (ic *integrationCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ic.desc }

// Collect implements prometheus.Collector. When the store fails the series
// are left out; noctuary_store_up reports the outage.
func (ic *integrationCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	integrations, err := ic.store.Integrations(ctx)
	if err != nil {
		ic.log.Warn("integrations unavailable for metrics", slog.Any("error", err))
		return
	}
	services, err := ic.store.Services(ctx)
	if err != nil {
		ic.log.Warn("services unavailable for metrics", slog.Any("error", err))
		return
	}
	enabled := map[string]int{}
	for _, svc := range services {
		if svc.Enabled && !svc.Paused {
			enabled[svc.Environment]++
		}
	}
	for _, in := range integrations {
		ch <- prometheus.MustNewConstMetric(ic.desc, prometheus.GaugeValue, float64(enabled[in.Environment]), in.ID)
	}
}

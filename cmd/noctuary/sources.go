package main

import (
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
)

// eventSources are the tools' endpoints, POST /v1/events/<name>, configured
// by the file's sources: section.
func eventSources(cfg config.Sources) []ingest.Source {
	return []ingest.Source{
		{Name: "alertmanager", Bearer: true, Translator: sources.Alertmanager{ServiceLabel: cfg.Alertmanager.ServiceLabel}},
		{Name: "github", Translator: sources.GitHub{Secret: cfg.GitHub.Secret, Repositories: cfg.GitHub.Repositories}},
		{Name: "pagerduty-change", Translator: sources.PagerDutyChange{RoutingKeys: cfg.PagerDutyChange.RoutingKeys}},
		{Name: "kubernetes", Bearer: true, Translator: sources.Kubernetes{ServiceLabel: cfg.Kubernetes.ServiceLabel, Namespaces: cfg.Kubernetes.Namespaces}},
	}
}

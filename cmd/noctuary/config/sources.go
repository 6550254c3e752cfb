package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Sources configure the tools' endpoints, POST /v1/events/<tool> (the
// file's sources: section). A tool that maps nothing still answers, naming
// every item as unmapped.
type Sources struct {
	Alertmanager    AlertmanagerSource
	GitHub          GitHubSource
	PagerDutyChange PagerDutyChangeSource
	Kubernetes      KubernetesSource
}

// AlertmanagerSource maps an alert to the service named by one of its labels.
type AlertmanagerSource struct {
	ServiceLabel string // default "service"
}

// GitHubSource verifies GitHub's webhooks and maps repositories to services.
type GitHubSource struct {
	// Secret is the webhook's secret (X-Hub-Signature-256); zero turns the
	// endpoint off (every delivery is refused).
	Secret noctuary.Secret
	// Repositories maps "owner/name", in lower case, to a service key.
	Repositories map[string]string
}

// PagerDutyChangeSource maps the routing keys of PagerDuty change events to
// services; an undeclared key is refused.
type PagerDutyChangeSource struct {
	RoutingKeys map[noctuary.Secret]string
}

// KubernetesSource maps a Kubernetes Event to a service by a label of its
// involved object, else by its namespace.
type KubernetesSource struct {
	ServiceLabel string // default "app.kubernetes.io/name"
	Namespaces   map[string]string
}

type rawSources struct {
	Alertmanager struct {
		ServiceLabel text `yaml:"service_label"`
	} `yaml:"alertmanager"`
	GitHub struct {
		Secret       text            `yaml:"secret"`
		Repositories map[string]text `yaml:"repositories"`
	} `yaml:"github"`
	PagerDutyChange struct {
		RoutingKeys map[string]text `yaml:"routing_keys"`
	} `yaml:"pagerduty_change"`
	Kubernetes struct {
		ServiceLabel text            `yaml:"service_label"`
		Namespaces   map[string]text `yaml:"namespaces"`
	} `yaml:"kubernetes"`
}

var (
	promLabel = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	// k8sLabel is a label key: an optional DNS prefix and '/', then a name.
	k8sLabel = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
)

// sources validates the sources: section.
func (l *loader) sources(r rawSources) {
	s := &l.cfg.Sources
	if v := l.str(r.Alertmanager.ServiceLabel); v != "" {
		l.check(r.Alertmanager.ServiceLabel, "sources.alertmanager.service_label", matches(promLabel, "a Prometheus label name"))
		s.Alertmanager.ServiceLabel = v
	}
	if v := l.str(r.Kubernetes.ServiceLabel); v != "" {
		l.check(r.Kubernetes.ServiceLabel, "sources.kubernetes.service_label", matches(k8sLabel, "a Kubernetes label key"))
		s.Kubernetes.ServiceLabel = v
	}
	s.Kubernetes.Namespaces = l.serviceMap(r.Kubernetes.Namespaces, "sources.kubernetes.namespaces", strings.ToLower)
	s.GitHub.Repositories = l.serviceMap(r.GitHub.Repositories, "sources.github.repositories", strings.ToLower)
	for name, t := range r.GitHub.Repositories {
		if !repoName.MatchString(name) {
			l.at(t.Line, "sources.github.repositories: %q is not a repository name like acme/checkout-api", name)
		}
	}
	s.GitHub.Secret = noctuary.Secret(l.str(r.GitHub.Secret))
	if len(r.GitHub.Repositories) > 0 && missing(r.GitHub.Secret) {
		l.add("%s: sources.github.secret is required with sources.github.repositories: Noctuary never accepts unsigned webhooks", l.file)
	}
	keys := l.serviceMap(r.PagerDutyChange.RoutingKeys, "sources.pagerduty_change.routing_keys", nil)
	if len(keys) > 0 {
		s.PagerDutyChange.RoutingKeys = make(map[noctuary.Secret]string, len(keys))
		for k, svc := range keys {
			s.PagerDutyChange.RoutingKeys[noctuary.Secret(k)] = svc
		}
	}
}

// check records a problem when the text value t fails valid.
func (l *loader) check(t text, key string, valid func(string) string) {
	if p := valid(t.V); p != "" {
		l.at(t.Line, "%s: %s", key, p)
	}
}

// serviceMap expands the names (keys, ${VAR} allowed) and service keys of
// a name → service mapping, normalizing names with norm when not nil.
func (l *loader) serviceMap(raw map[string]text, key string, norm func(string) string) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]string, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		t := raw[name]
		n, problem := expand(name, l.lookup)
		if problem != "" {
			l.at(t.Line, "%s: %s", key, problem)
			continue
		}
		if norm != nil {
			n = norm(n)
		}
		if missing(t) {
			l.add("%s: %s: an entry has no service", l.file, key)
			continue
		}
		svc := l.str(t)
		if p := validKey(svc); svc != "" && p != "" {
			l.at(t.Line, "%s: service %s", key, p)
			continue
		}
		if _, dup := out[n]; dup {
			l.at(t.Line, "%s: an entry is listed twice", key) // names may be secrets
			continue
		}
		if n != "" && svc != "" {
			out[n] = svc
		}
	}
	return out
}

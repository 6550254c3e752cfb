package config

import (
	"reflect"
	"testing"

	"github.com/noctuary/noctuary"
)

func TestSources(t *testing.T) {
	file := `
sources:
  alertmanager:
    service_label: team_service
  github:
    secret: ${GITHUB_WEBHOOK_SECRET}
    repositories: {"Acme/Checkout-API": checkout}
  pagerduty_change:
    routing_keys: {"R0ABCDEF": checkout, "${PD_ROUTING_KEY}": payments}
  kubernetes:
    service_label: app.kubernetes.io/name
    namespaces: {"shop": checkout}
`
	cfg, err := Parse([]byte(file), "n.yaml", env(map[string]string{"GITHUB_WEBHOOK_SECRET": "gh-secret", "PD_ROUTING_KEY": "R0PAYMENTS"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Sources{
		Alertmanager:    AlertmanagerSource{ServiceLabel: "team_service"},
		GitHub:          GitHubSource{Secret: "gh-secret", Repositories: map[string]string{"acme/checkout-api": "checkout"}},
		PagerDutyChange: PagerDutyChangeSource{RoutingKeys: map[noctuary.Secret]string{"R0ABCDEF": "checkout", "R0PAYMENTS": "payments"}},
		Kubernetes:      KubernetesSource{ServiceLabel: "app.kubernetes.io/name", Namespaces: map[string]string{"shop": "checkout"}},
	}
	if !reflect.DeepEqual(cfg.Sources, want) {
		t.Fatalf("sources = %#v\nwant %#v", cfg.Sources, want)
	}
}

func TestSourcesDefault(t *testing.T) {
	cfg, err := Parse(nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Sources{Alertmanager: AlertmanagerSource{ServiceLabel: "service"}, Kubernetes: KubernetesSource{ServiceLabel: "app.kubernetes.io/name"}}
	if !reflect.DeepEqual(cfg.Sources, want) {
		t.Fatalf("sources = %#v, want %#v", cfg.Sources, want)
	}
}

func TestSourcesProblems(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"github without a secret", "sources:\n  github:\n    repositories: {\"acme/api\": api}\n",
			[]string{"n.yaml: sources.github.secret is required with sources.github.repositories: Noctuary never accepts unsigned webhooks"}},
		{"bad repository", "sources:\n  github:\n    secret: s\n    repositories: {\"acme\": api}\n",
			[]string{`n.yaml:4: sources.github.repositories: "acme" is not a repository name like acme/checkout-api`}},
		{"bad service", "sources:\n  kubernetes:\n    namespaces: {\"shop\": \"check out\"}\n",
			[]string{`n.yaml:3: sources.kubernetes.namespaces: service "check out" may hold only letters, digits, '.', '_' and '-'`}},
		{"no service", "sources:\n  pagerduty_change:\n    routing_keys: {\"R0SECRET\": \"\"}\n",
			[]string{`n.yaml: sources.pagerduty_change.routing_keys: an entry has no service`}},
		{"unset variable in a key", "sources:\n  pagerduty_change:\n    routing_keys: {\"${NOPE}\": checkout}\n",
			[]string{`n.yaml:3: sources.pagerduty_change.routing_keys: ${NOPE} is not set; export it or remove the line`}},
		{"bad alertmanager label", "sources:\n  alertmanager:\n    service_label: app.name\n",
			[]string{`n.yaml:3: sources.alertmanager.service_label: "app.name" is not a Prometheus label name`}},
		{"bad kubernetes label", "sources:\n  kubernetes:\n    service_label: \"-app\"\n",
			[]string{`n.yaml:3: sources.kubernetes.service_label: "-app" is not a Kubernetes label key`}},
		{"unknown source", "sources:\n  flux: {}\n",
			[]string{`n.yaml:2: unknown key "flux"`}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkProblems(t, tc.file, nil, tc.want) })
	}
}

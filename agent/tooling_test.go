package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// The rules of tooling.go and the widened scopes, each with what it must
// not do. poolSize (01:58) is the earlier change that did change something.
func TestChangesBesideWhatRuns(t *testing.T) {
	deploy := func(summary string, attrs map[string]string) noctuary.ContextEvent {
		return deployAt("late", "02:12:00", summary, attrs)
	}
	cfg := func(source, summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("late", "checkout", "config_change", source, "02:12:00", summary, attrs)
	}
	flag := func(summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("late", "checkout", "feature_flag", "launchdarkly", "02:12:00", summary, attrs)
	}
	runRankCases(t, []rankCase{
		{"dashboards as code", []noctuary.ContextEvent{poolSize,
			deploy("workflow deployed 2 dashboards", map[string]string{"files_changed": "dashboards/a.json, grafana/b.yaml"}), symptom},
			"cfg", []string{"it changed only dashboards"}, nil},
		{"not: code in a dashboard directory", []noctuary.ContextEvent{poolSize,
			deploy("dashboard service", map[string]string{"files_changed": "dashboards/handler.go"}), symptom},
			"late", nil, []string{"ranked below"}},
		{"translations by a scope attribute", []noctuary.ContextEvent{poolSize,
			deploy("checkout v2 deployed", map[string]string{"files_changed": "locales/pt-BR.json", "change_type": "i18n-only"}), symptom},
			"cfg", []string{"it says it changed only translations"}, nil},
		{"not: translations beside code", []noctuary.ContextEvent{poolSize,
			deploy("checkout v2 deployed", map[string]string{"files_changed": "locales/pt-BR.json, api/validate.go", "change_type": "i18n-only"}), symptom},
			"late", nil, []string{"ranked below"}},
		{"an alerting-only change attribute", []noctuary.ContextEvent{poolSize,
			cfg("argocd", "PrometheusRule configured: threshold 800ms -> 600ms", map[string]string{"change": "alerting-only"}), symptom},
			"cfg", []string{"it says it changed only monitoring"}, nil},
		{"an escalation policy edited in PagerDuty", []noctuary.ContextEvent{poolSize,
			cfg("pagerduty", "Escalation policy 'primary' updated: level 2 timeout 30 -> 15 minutes", nil), symptom},
			"cfg", []string{"paging configuration, not what runs"}, nil},
		{"not: a deploy reported through PagerDuty's change events", []noctuary.ContextEvent{poolSize,
			event("late", "checkout", "deploy", "pagerduty", "02:12:00", "Deployed checkout 4.2 to production", nil), symptom},
			"late", nil, []string{"paging configuration"}},
		{"a flag archived", []noctuary.ContextEvent{poolSize,
			flag("archived the flag 'legacy'", map[string]string{"flag": "legacy", "action": "archived"}), symptom},
			"cfg", []string{"it says it archived the flag"}, nil},
		{"not: a flag turned on", []noctuary.ContextEvent{poolSize,
			flag("turned on 'new-checkout' for everyone", map[string]string{"flag": "new-checkout", "action": "updated"}), symptom},
			"late", nil, []string{"ranked below"}},
		{"an apply that changed no pod template", []noctuary.ContextEvent{poolSize,
			deploy("Service metrics annotations scrape_interval 30s -> 15s", map[string]string{"pod_template_changed": "false"}), symptom},
			"cfg", []string{"it says it changed no pod template"}, nil},
		{"not: no pod template change but a ConfigMap updated", []noctuary.ContextEvent{poolSize,
			deploy("ConfigMap checkout-env updated", map[string]string{"pod_template_changed": "false"}), symptom},
			"late", nil, []string{"ranked below"}},
		{"by its own account it is still blamed when nothing else is a candidate", []noctuary.ContextEvent{
			flag("archived the flag 'legacy'", map[string]string{"flag": "legacy", "action": "archived"}), symptom},
			"late", nil, nil},
	})
}

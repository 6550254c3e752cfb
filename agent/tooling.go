package agent

import (
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Changes to what runs beside a service rather than in it (docs/architecture.md,
// "Ranking rules"): the files a change lists by their role (dashboards are
// data for Grafana, translations are strings), the tool the change was made
// in (an escalation policy edited in PagerDuty), and what a flag tool or
// Kubernetes says the change did not touch (a flag's lifecycle, the pod
// template).

// scopeValue normalises a scope attribute: "alerting-only", "i18n_only"
// and "Docs only" name the scope alerting, i18n, docs.
func scopeValue(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, suf := range []string{"-only", "_only", " only"} {
		v = strings.TrimSuffix(v, suf)
	}
	return v
}

// pathParts are the directories of p and its file's stem.
func pathParts(p string) (dirs []string, ext string) {
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	if k := strings.LastIndex(last, "."); k >= 0 {
		ext = last[k:]
	}
	return parts[:len(parts)-1], ext
}

// dashboardDirs hold dashboards as code: JSON or YAML that Grafana reads,
// which no process of the service executes.
var dashboardDirs = []string{"dashboards", "dashboard", "grafana"}

func dashboardFile(p string) bool {
	dirs, ext := pathParts(p)
	return slices.ContainsFunc(dirs, func(d string) bool { return slices.Contains(dashboardDirs, d) }) &&
		slices.Contains([]string{".json", ".yaml", ".yml", ".jsonnet", ".libsonnet"}, ext)
}

// translationDirs and translationExts mark translated strings: the service
// loads them, so a change of only those is innocuous by its own account
// (see scopeOnly), not by its files.
var (
	translationDirs = []string{"locales", "locale", "i18n", "l10n", "translations", "lang"}
	translationExts = []string{".po", ".mo", ".pot", ".xliff", ".xlf", ".arb"}
)

func translationFile(p string) bool {
	dirs, ext := pathParts(p)
	return slices.Contains(translationExts, ext) ||
		slices.ContainsFunc(dirs, func(d string) bool { return slices.Contains(translationDirs, d) })
}

// responderSources are incident-response and status tools: what is edited
// in them (an escalation policy, a schedule, a status page) changes who is
// paged, not what runs. Their change events that report deploys do not
// name such a subject and still count.
var responderSources = []string{"pagerduty", "opsgenie", "victorops", "splunkoncall", "incidentio", "firehydrant",
	"rootly", "statuspage", "xmatters"}

// responderSubjects are what those tools configure.
var responderSubjects = []string{"escalat", "schedule", "oncall", "rotation", "notificationrule", "responder",
	"maintenancewindow", "statuspage", "eventrule", "servicerule"}

// responderTool: a change made in an incident-response tool to its own
// configuration.
func responderTool(e *noctuary.ContextEvent, _ *eventInfo) string {
	src := NormalizeKind(e.Source)
	if !slices.ContainsFunc(responderSources, func(s string) bool { return strings.Contains(src, s) }) {
		return ""
	}
	what := NormalizeKind(e.Summary + " " + attr(*e, "object", "resource", "type"))
	if slices.ContainsFunc(responderSubjects, func(s string) bool { return strings.Contains(what, s) }) {
		return "it changed " + e.Source + "'s paging configuration, not what runs"
	}
	return ""
}

// lifecycleActs change a flag's record, not what it serves.
var lifecycleActs = []string{"archived", "unarchived", "renamed", "tagged", "untagged", "described", "commented",
	"maintainer", "deprecated", "description"}

// lifecycleOnly: a flag archived, renamed or tagged. It says so itself;
// archiving a flag that served a value to some users could still change
// what they get (the fallback), so it is innocuous by its own account.
func lifecycleOnly(e *noctuary.ContextEvent, x *eventInfo) string {
	if !flagLike(e, x) {
		return ""
	}
	act := strings.ToLower(attr(*e, "action", "event", "verb", "operation"))
	if act == "" {
		act = string(x.summary.match(lifecycleActs))
	}
	for _, a := range lifecycleActs {
		if strings.Contains(act, a) {
			return says + "it " + strings.TrimSpace(a) + " the flag, which changes its record, not what it serves"
		}
	}
	return ""
}

// noPodChange: a Kubernetes apply that says it left the pod template
// alone restarted nothing that runs (an annotation or a label edited), by
// its own account, unless it says it changed config too.
func noPodChange(e *noctuary.ContextEvent, x *eventInfo) string {
	v := strings.ToLower(attr(*e, "pod_template_changed", "template_changed", "pods_restarted", "rollout_triggered"))
	if (v == "false" || v == "no" || v == "0") && x.summary.match(alsoChanged) == "" {
		return says + "it changed no pod template"
	}
	return ""
}

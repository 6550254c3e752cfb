package check

import (
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// promql parses expressions as Prometheus does by default.
var promql = parser.NewParser(parser.Options{})

// metricNames returns the metric names an expression selects.
func metricNames(expr parser.Expr) []string {
	var names []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

// unknownMetrics returns the names expr selects that the code does not register.
func unknownMetrics(expr parser.Expr, known map[string]bool) []string {
	var out []string
	for _, n := range metricNames(expr) {
		if !known[n] {
			out = append(out, n)
		}
	}
	return out
}

// TestAlertRules: deployments/prometheus/alerts.yaml is valid for Prometheus
// (rulefmt, as promtool check rules: unknown fields, PromQL, templates), has
// the alerts operators need, each with a severity and a summary, and names
// only metrics the code registers.
func TestAlertRules(t *testing.T) {
	groups, errs := rulefmt.ParseFile("../prometheus/alerts.yaml", false, model.LegacyValidation, promql, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if groups == nil {
		t.FailNow()
	}
	known := codeMetrics(t)
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if sev := r.Labels["severity"]; sev != "critical" && sev != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", r.Alert, sev)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary annotation", r.Alert)
			}
			expr, err := promql.ParseExpr(r.Expr)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
				continue
			}
			if u := unknownMetrics(expr, known); len(u) > 0 {
				t.Errorf("%s uses %v, which no code registers", r.Alert, u)
			}
		}
	}
	for _, want := range []string{"NoctuaryNotesFailing", "NoctuaryDeadEntries", "NoctuaryRedisUnreachable", "NoctuaryBacklogGrowing", "NoctuaryNoWebhooks"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s (have %v)", want, alerts)
		}
	}
}

// TestRuleParsingRefuses: the parsing TestAlertRules relies on refuses a bad
// expression, an unknown field and a broken template.
func TestRuleParsingRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"bad PromQL":     "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(rate(x[5m])\n",
		"unknown field":  "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    severity: critical\n",
		"bad template":   "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    annotations:\n      summary: \"{{ $labels.x \"\n",
		"record & alert": "groups:\n- name: g\n  rules:\n  - alert: A\n    record: b\n    expr: up == 0\n",
	} {
		if _, errs := rulefmt.Parse([]byte(doc), false, model.LegacyValidation, promql, slog.New(slog.DiscardHandler)); len(errs) == 0 {
			t.Errorf("%s: parsed without error", name)
		}
	}
	expr, err := promql.ParseExpr(`noctuary_no_such_metric_total > 0 and noctuary_triages_total > 0`)
	if err != nil {
		t.Fatal(err)
	}
	if u := unknownMetrics(expr, codeMetrics(t)); !slices.Equal(u, []string{"noctuary_no_such_metric_total"}) {
		t.Errorf("unknown metrics %v, want [noctuary_no_such_metric_total]", u)
	}
}

// dashboard is the part of the Grafana dashboard JSON the test checks.
type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// TestDashboard: every query of deployments/grafana/noctuary.json parses and
// names only metrics the code registers, and the SLO metrics each have a panel.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("../grafana/noctuary.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	known := codeMetrics(t)
	used := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d is used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			expr, err := promql.ParseExpr(tg.Expr)
			if err != nil {
				t.Errorf("panel %q: %v", p.Title, err)
				continue
			}
			if u := unknownMetrics(expr, known); len(u) > 0 {
				t.Errorf("panel %q uses %v, which no code registers", p.Title, u)
			}
			for _, n := range metricNames(expr) {
				used[n] = true
			}
		}
	}
	// The service levels the issue names: webhook to note, notes posted, LLM
	// fallbacks, backlog, dead entries, budget waits, action outcomes.
	for _, want := range []string{"noctuary_triage_latency_seconds_bucket", "noctuary_triages_total", "noctuary_llm_fallbacks_total",
		"noctuary_triage_backlog", "noctuary_webhooks_dead_lettered_total", "noctuary_pagerduty_budget_wait_seconds_bucket", "noctuary_actions_total"} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
	if d.UID == "" || !strings.HasPrefix(d.UID, "noctuary") {
		t.Errorf("uid %q: want a stable uid so that imports replace the dashboard", d.UID)
	}
}

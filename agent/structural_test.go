package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// The structural readings of structural.go, each with what it must not do.
func TestStructuralClasses(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    noctuary.ContextEvent
		want noctuary.Class
	}{
		{"an envelope kind reporting a failover is a failure",
			event("x", "postgres-main", "rds_event", "aws-rds", "02:10:00", "Multi-AZ instance failover started. The primary host is degraded.", nil),
			noctuary.ClassFailure},
		{"an envelope kind reporting a member lost is a failure",
			event("x", "postgres-main", "cluster_event", "elasticsearch", "02:10:00", "node-left[{es-data-7}] reason: followers check retry count exceeded", nil),
			noctuary.ClassFailure},
		{"a provider's status reporting errors is a failure",
			event("x", "postgres-main", "cloud_status", "gcp-status", "02:10:00", "Elevated publish latency and errors in europe-west1. Investigating.", nil),
			noctuary.ClassFailure},
		{"an envelope kind reporting an applied setting is a change",
			event("x", "postgres-main", "rds_event", "aws-rds", "02:10:00", "DB parameter group modified and applied", nil),
			noctuary.ClassChange},
		{"not: an envelope kind reporting a routine snapshot",
			event("x", "postgres-main", "rds_event", "aws-rds", "02:10:00", "Automated snapshot created", nil),
			noctuary.ClassInfo},
		{"not: a kind that names an act reads no summary as an envelope",
			event("x", "postgres-main", "snapshot", "aws-rds", "02:10:00", "snapshot of failover standby", nil),
			noctuary.ClassInfo},
		{"an alert of any kind is a failure",
			event("x", "postgres-main", "database_alert", "pganalyze", "02:10:00", "age(datfrozenxid) near the limit", nil),
			noctuary.ClassFailure},
		{"not: a resolved alert",
			event("x", "postgres-main", "database_alert_resolved", "pganalyze", "02:10:00", "age(datfrozenxid) back to normal", nil),
			noctuary.ClassInfo},
		{"not: an alert rule edited",
			event("x", "postgres-main", "alert_rule_updated", "grafana", "02:10:00", "threshold 80 -> 90", nil),
			noctuary.ClassInfo},
		{"a kind ending in a mutating verb is a change",
			event("x", "checkout", "slot_swap", "azure-devops", "02:10:00", "Swap slots staging -> production succeeded", nil),
			noctuary.ClassChange},
		{"not: a reset a client does on its own",
			event("x", "checkout", "consumer_offset_reset", "kafka", "02:10:00", "offset out of range, resetting offset", nil),
			noctuary.ClassInfo},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyEvent(tt.e); got != tt.want {
				t.Errorf("ClassifyEvent = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStructuralRoles(t *testing.T) {
	sealed := event("seal", "postgres-main", "alert", "prometheus", "02:00:00", "[FIRING:1] dependency credentials unavailable",
		map[string]string{"alertname": "VaultSealed"})
	sentinelCfg := event("cfg", "postgres-main", "config_change", "puppet", "01:58:00", "", map[string]string{"key": "down_after_ms", "old": "5000", "new": "500"})
	failover := event("fo", "postgres-main", "failover", "redis-sentinel", "02:13:00", "+switch-master primary 10.0.3.11 -> 10.0.3.12", nil)
	runRankCases(t, []rankCase{
		{"an alert's name says it is infrastructure", []noctuary.ContextEvent{sealed, symptom},
			"seal", []string{"Infrastructure failure"}, nil},
		{"not: an alert whose name is a symptom", []noctuary.ContextEvent{
			event("hi", "postgres-main", "alert", "prometheus", "02:00:00", "[FIRING:1] latency", map[string]string{"alertname": "HighLatency"}), symptom},
			"hi", nil, []string{"Infrastructure failure"}},
		{"a change of the component that then failed explains its failure", []noctuary.ContextEvent{sentinelCfg, failover, symptom},
			"cfg", nil, nil},
		{"not: a change of another service does not explain it", []noctuary.ContextEvent{
			deployAt("dep", "01:58:00", "checkout rolled out", map[string]string{"sha": "b1", "previous_sha": "a0"}), failover, symptom},
			"fo", []string{"Infrastructure failure"}, nil},
	})
}

func TestTitleAndReports(t *testing.T) {
	pgChange := event("pg", "postgres-main", "batch_job", "airflow", "02:00:00", "DAG backfill started (UPDATE orders SET x=1, 60M rows)", nil)
	flagLate := event("fl", "checkout", "feature_flag", "configcat", "02:13:00", "Setting 'darkMode' changed from false to true",
		map[string]string{"setting": "darkMode", "old": "false", "new": "true"})
	for _, tt := range []struct {
		name, title, want string
		events            []noctuary.ContextEvent
	}{
		{"a title that names a dependency points at its change", "checkout: postgres-main replica lag 600s", "pg",
			[]noctuary.ContextEvent{pgChange, flagLate}},
		{"not: a title that names no dependency", "checkout: read-your-writes violations", "fl",
			[]noctuary.ContextEvent{pgChange, flagLate}},
		{"a dashboard saved is no candidate of the failures' domain", "checkout: 429 from postgres-main", "dep",
			[]noctuary.ContextEvent{event("dash", "postgres-main", "info", "grafana", "02:00:00", "Dashboard 'rate limits' updated", nil),
				deployAt("dep", "02:10:00", "checkout deployed", map[string]string{"sha": "b1", "previous_sha": "a0"})}},
		{"not: information of the domain that is no monitoring edit", "checkout: x509: certificate signed by unknown authority", "ren",
			[]noctuary.ContextEvent{event("ren", "postgres-main", "info", "cert-manager", "02:10:00", "certificate issued by a new intermediate CA", nil)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := titled(tt.title, tt.events...)
			if res.Cause == nil || res.Cause.Event.ID != tt.want {
				t.Errorf("cause = %+v, want %s\n%s\n%+v", res.Cause, tt.want, res.Hypothesis, res.Signals)
			}
		})
	}
}

func TestJobWithScheduleIsNoReschedule(t *testing.T) {
	runRankCases(t, []rankCase{
		{"a CronJob that started heavy work is a change, not a moved schedule", []noctuary.ContextEvent{
			deployAt("dep", "01:58:00", "checkout deployed", map[string]string{"sha": "b1", "previous_sha": "a0"}),
			event("job", "postgres-main", "job_started", "kubernetes", "02:13:00", "CronJob created Job vacuum (VACUUM FULL public.sessions)",
				map[string]string{"cronjob": "pg-vacuum-full", "schedule": "0 3 * * *"}), symptom},
			"job", nil, []string{"moved a job's schedule"}},
		{"not: a schedule that moved is still innocuous", []noctuary.ContextEvent{poolSize,
			event("job", "checkout", "cronjob_updated", "kubernetes", "02:13:00", "CronJob report schedule changed",
				map[string]string{"old_schedule": "0 3 * * *", "new_schedule": "*/5 * * * *"}), symptom},
			"cfg", []string{"it says it moved a job's schedule"}, nil},
	})
}

// titled triages events for the seed service under an incident titled title.
func titled(title string, events ...noctuary.ContextEvent) Result {
	inc, svc := seedIncident(), seedService()
	inc.Title = title
	return Heuristic(Request{Incident: inc, Service: svc, Onset: seedOnset,
		Correlation: Correlate(inc, seedOnset, events, CorrelateOptions{Service: svc})})
}

func TestUndoneAfterOnset(t *testing.T) {
	flag := func(id, hms, state string, flagName string) noctuary.ContextEvent {
		return event(id, "checkout", "feature_flag", "launchdarkly", hms, "turned "+state+" the flag '"+flagName+"'",
			map[string]string{"flag": flagName, "new_state": state})
	}
	late := deployAt("late", "02:13:00", "checkout deployed: rename a log field", map[string]string{"sha": "b1", "previous_sha": "a0"})
	runRankCases(t, []rankCase{
		{"a flag turned off by responders after onset is the cause", []noctuary.ContextEvent{
			flag("on", "02:05:00", "on", "express-v2"), late, flag("off", "02:18:00", "off", "express-v2"), symptom},
			"on", nil, nil},
		{"not: a different flag turned off after onset", []noctuary.ContextEvent{
			flag("on", "02:05:00", "on", "express-v2"), late, flag("off", "02:18:00", "off", "dark-mode"), symptom},
			"late", nil, nil},
		{"not: undone before onset, it stays innocuous", []noctuary.ContextEvent{
			flag("on", "02:05:00", "on", "express-v2"), flag("off", "02:08:00", "off", "express-v2"), late, symptom},
			"late", nil, nil},
	})
}

func TestPromotedInformationAfterItsDomainsChange(t *testing.T) {
	rebalance := event("reb", "postgres-main", "info", "kafka", "02:10:00", "Preparing to rebalance group fraud-v2 (consumer left)", nil)
	for _, tt := range []struct {
		name, want string
		change     noctuary.ContextEvent
	}{
		{"a rebalance after the consumer's poll settings changed follows that change", "poll",
			event("poll", "checkout", "config_change", "consul", "02:00:00", "consumer max.poll.records 500 -> 50", nil)},
		{"not: a change of another domain before it leaves it a candidate", "reb",
			event("poll", "checkout", "config_change", "consul", "02:00:00", "footer text updated", nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := titled("checkout: consumer lag 2M messages", tt.change, rebalance)
			if res.Cause == nil || res.Cause.Event.ID != tt.want {
				t.Errorf("cause = %+v, want %s\n%s", res.Cause, tt.want, res.Hypothesis)
			}
		})
	}
}

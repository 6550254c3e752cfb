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

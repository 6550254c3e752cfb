package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// TestClassifyEvent covers what an event says beyond its kind: its source,
// its status attribute, its log severity, and an ordered restart.
func TestClassifyEvent(t *testing.T) {
	tests := []struct {
		name string
		e    noctuary.ContextEvent
		want noctuary.Class
	}{
		{"an alerting source's alert named like a deploy", event("a", "api", "KubeDeploymentReplicasMismatch", "alertmanager", "02:00:00", "", nil), noctuary.ClassFailure},
		{"an alerting source's unknown alert", event("a", "api", "EtcdMembersDown", "prometheus", "02:00:00", "", nil), noctuary.ClassFailure},
		{"not: an alerting source's resolution", event("a", "api", "resolved", "alertmanager", "02:00:00", "", nil), noctuary.ClassInfo},
		{"not: a deploy from a deploy tool", event("a", "api", "KubeDeploymentReplicasMismatch", "argocd", "02:00:00", "", nil), noctuary.ClassChange},
		{"a provider status in outage", event("a", "cdn", "vendor_status", "statuspage", "02:00:00", "Investigating", map[string]string{"status": "major_outage"}), noctuary.ClassFailure},
		{"not: a provider status that is operational", event("a", "cdn", "vendor_status", "statuspage", "02:00:00", "All good", map[string]string{"status": "operational"}), noctuary.ClassInfo},
		{"not: a change whose status failed stays a change", event("a", "api", "deploy", "argocd", "02:00:00", "", map[string]string{"status": "failed"}), noctuary.ClassChange},
		{"a log line at ERROR", event("a", "db", "postgres_log", "cloudwatch-logs", "02:00:00", "ERROR: database is not accepting commands", nil), noctuary.ClassFailure},
		{"a log line at [WARN]", event("a", "db", "app_log", "loki", "02:00:00", "[WARN] must be vacuumed within 9,811,320 transactions", nil), noctuary.ClassFailure},
		{"not: a log line at INFO", event("a", "db", "postgres_log", "cloudwatch-logs", "02:00:00", "LOG: checkpoint complete", nil), noctuary.ClassInfo},
		{"not: the word error inside a sentence", event("a", "db", "note", "slack", "02:00:00", "no error seen so far", nil), noctuary.ClassInfo},
		{"not: a scheduled rollout restart is no failure", event("a", "api", "pod_restarted", "kubernetes", "02:00:00", "api restarted (scheduled rollout restart)", nil), noctuary.ClassInfo},
		{"a restart of its own is a failure", event("a", "api", "pod_restarted", "kubernetes", "02:00:00", "api restarted (exit code 137)", nil), noctuary.ClassFailure},
	}
	for _, tt := range tests {
		if got := ClassifyEvent(tt.e); got != tt.want {
			t.Errorf("%s: ClassifyEvent = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestClassifyUpdatesAndInertSubjects: updates and flushes are changes,
// unless what was updated is a dashboard, alert rule or status page.
func TestClassifyUpdatesAndInertSubjects(t *testing.T) {
	for kind, want := range map[string]noctuary.Class{
		"k8s_service_updated": noctuary.ClassChange, "secret_updated": noctuary.ClassChange,
		"cache_flush": noctuary.ClassChange, "cdn_purge": noctuary.ClassChange,
		"NodeFilesystemFilesFillingUp": noctuary.ClassFailure, "etcdNoSpaceAlarm": noctuary.ClassFailure,
		"dashboard_updated": noctuary.ClassInfo, "alert_rule_updated": noctuary.ClassInfo,
		"statuspage_update": noctuary.ClassInfo, "silence_created": noctuary.ClassInfo,
	} {
		if got := Classify(kind); got != want {
			t.Errorf("Classify(%q) = %s, want %s", kind, got, want)
		}
	}
}

func TestInertFiles(t *testing.T) {
	for list, want := range map[string]bool{
		"checkout/coupon_test.go":                     true,
		"web/src/__tests__/cart.js, README.md":        true,
		"app/models/user_spec.rb;tests/test_x.py":     true,
		"src/cart.test.ts docs/cart.md":               true,
		"checkout/coupon.go, checkout/coupon_test.go": false,
		"internal/metrics/metrics.go":                 false,
		"testing/harness.go":                          false,
		"":                                            false,
	} {
		if got := inertFiles(list); got != want {
			t.Errorf("inertFiles(%q) = %v, want %v", list, got, want)
		}
	}
}

// TestGeneralFailureVocabulary: infrastructure and dependency failures that
// carry their own vocabulary are causes when nothing changed; what they must
// not do is displace a real change when they come after it.
func TestGeneralFailureVocabulary(t *testing.T) {
	runRankCases(t, []rankCase{
		{"inodes exhausted under a dependency", []noctuary.ContextEvent{
			event("ino", "postgres-main", "NodeFilesystemFilesFillingUp", "prometheus", "02:05:00", "only 0.4% available inodes left", nil), symptom},
			"ino", []string{"Infrastructure failure"}, nil},
		{"etcd quota beats the alert it causes", []noctuary.ContextEvent{
			event("etcd", "postgres-main", "etcdNoSpaceAlarm", "alertmanager", "02:03:00", "alarm NOSPACE raised (mvcc: database space exceeded)", nil),
			event("rep", "checkout", "KubeDeploymentReplicasMismatch", "alertmanager", "02:13:00", "2/6 ready replicas", nil), symptom},
			"etcd", []string{"Infrastructure failure"}, nil},
		{"a provider's status page in outage", []noctuary.ContextEvent{
			event("cf", "postgres-main", "vendor_status", "statuspage", "02:08:00", "Investigating - elevated errors", map[string]string{"status": "major_outage"}), symptom},
			"cf", nil, nil},
		{"a dependency's warning log, first before onset", []noctuary.ContextEvent{
			event("xid", "postgres-main", "postgres_log", "cloudwatch-logs", "02:00:00", "WARNING: database must be vacuumed within 9,811,320 transactions", nil),
			event("stop", "postgres-main", "postgres_log", "cloudwatch-logs", "02:12:00", "ERROR: database is not accepting commands to avoid wraparound", nil), symptom},
			"xid", nil, nil},
		{"a flag turned on and off by feature attribute ranks below a later flush", []noctuary.ContextEvent{
			event("on", "checkout", "flag_change", "flagsmith", "01:55:00", "", map[string]string{"feature": "v2", "enabled": "true"}),
			event("off", "checkout", "flag_change", "flagsmith", "01:58:00", "", map[string]string{"feature": "v2", "enabled": "false"}),
			event("flush", "postgres-main", "cache_flush", "ansible", "02:05:00", "FLUSHALL by maintenance playbook", nil), symptom},
			"flush", nil, nil},
		{"not: a warning log after a real change", []noctuary.ContextEvent{poolSize,
			event("w", "postgres-main", "postgres_log", "cloudwatch-logs", "02:05:00", "WARNING: too many connections", nil), symptom},
			"cfg", nil, nil},
		{"not: a dashboard edit just before onset", []noctuary.ContextEvent{poolSize,
			event("dash", "checkout", "dashboard_updated", "grafana", "02:14:00", "Dashboard 'Checkout' updated", nil), symptom},
			"cfg", nil, nil},
		{"not: a test-only deploy just before onset", []noctuary.ContextEvent{poolSize,
			deployAt("t", "02:13:00", "", map[string]string{"sha": "d00d", "files": "checkout/coupon_test.go"}), symptom},
			"cfg", []string{"it changed only documentation or test files"}, nil},
	})
}

// TestMoreSymptomDomains: failure words name their cause's domain.
func TestMoreSymptomDomains(t *testing.T) {
	laterDeploy := deployAt("dep", "02:11:00", "", map[string]string{"sha": "9d9d"})
	runRankCases(t, []rankCase{
		{"a missing column after a migration", []noctuary.ContextEvent{
			event("mig", "postgres-main", "migration", "ci", "02:00:00", "knex migrate:latest rename_price_cents", nil), laterDeploy,
			event("e", "checkout", "error_rate", "sentry", "02:14:00", `column "price_cents" of relation "listings" does not exist`, nil)},
			"mig", []string{"schema symptoms"}, nil},
		{"a message too large after a size limit change", []noctuary.ContextEvent{
			event("mb", "postgres-main", "broker_config_change", "kafka-admin", "02:00:00", "message.max.bytes 10485760 -> 1048576", nil), laterDeploy,
			event("e", "checkout", "error_rate", "datadog", "02:14:00", "RecordTooLargeException: the message is too large", nil)},
			"mb", []string{"size limits symptoms"}, nil},
		{"evictions by drained nodes after a node pool upgrade", []noctuary.ContextEvent{
			event("np", "postgres-main", "node_pool_upgrade", "gcp", "01:55:00", "Upgrading node pool default-pool (surge 0)", nil), laterDeploy,
			event("ev", "checkout", "Evicted", "kubernetes", "02:13:00", "Pod evicted: node drained for upgrade", nil)},
			"np", []string{"nodes symptoms"}, nil},
		{"NOAUTH after an ACL change", []noctuary.ContextEvent{
			event("acl", "postgres-main", "acl_change", "ansible", "02:00:00", "ACL SETUSER default off", nil), laterDeploy,
			event("e", "checkout", "error_rate", "sentry", "02:14:00", "ReplyError: NOAUTH Authentication required.", nil)},
			"acl", []string{"auth symptoms"}, nil},
		{"not: a plain 5xx promotes no migration", []noctuary.ContextEvent{
			event("mig", "postgres-main", "migration", "ci", "02:00:00", "knex migrate:latest", nil), laterDeploy,
			event("e", "checkout", "error_rate", "datadog", "02:14:00", "5xx ratio 8%", nil)},
			"dep", nil, []string{"point at it"}},
	})
}

// TestInfrastructureVocabulary: failures of the platform under a service
// across Kubernetes, databases and clouds are infrastructure; a symptom or
// a failure a change causes (an image pull, an OOMKill) is not.
func TestInfrastructureVocabulary(t *testing.T) {
	tests := []struct {
		kind, summary string
		want          bool
	}{
		{"KubeletPlegDurationHigh", "PLEG is not healthy: pleg was last seen active 3m ago", true},
		{"FailedCreatePodSandBox", "failed to assign an IP address to container", true},
		{"FailedAttachVolume", "Multi-Attach error for volume pvc-1", true},
		{"ServiceQuotaExceeded", "vCPU limit reached in us-east-1", true},
		{"es_cluster_block", "index [logs] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)] flood stage disk watermark exceeded", true},
		{"ImagePullBackOff", "Back-off pulling image registry/api:1.2.3", false},
		{"OOMKilled", "container api killed", false},
		{"error_rate", "No space left on device", false},
	}
	for _, tt := range tests {
		e := event("e", "db", tt.kind, "kubernetes", "02:00:00", tt.summary, nil)
		if got := infrastructure(NormalizeKind(e.Kind), eventText(e)); got != tt.want {
			t.Errorf("infrastructure(%s %q) = %v, want %v", tt.kind, tt.summary, got, tt.want)
		}
	}
	for kind, want := range map[string]noctuary.Class{
		"alarm_state_change": noctuary.ClassFailure, "RedisOutOfMemory": noctuary.ClassFailure,
		"KubeletPlegNotHealthy": noctuary.ClassFailure, "AccessDenied": noctuary.ClassFailure,
		"kafka_isr_shrink": noctuary.ClassFailure, "security_group_changed": noctuary.ClassChange,
	} {
		if got := Classify(kind); got != want {
			t.Errorf("Classify(%q) = %s, want %s", kind, got, want)
		}
	}
}

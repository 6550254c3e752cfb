package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// The rules of changes that changed nothing that runs (innocuous.go:
// unchanged, rolledBack, internalOnly, the no-op migration terms, a
// pipeline that deployed nothing), each with what it must not do.
func TestChangesThatChangedNothing(t *testing.T) {
	flag := func(summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("fl", "checkout", "feature_flag", "launchdarkly", "02:12:00", summary, attrs)
	}
	migration := func(summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("mig", "postgres-main", "schema_migration", "flyway", "02:12:00", summary, attrs)
	}
	runRankCases(t, []rankCase{
		{"a redeploy of the revision it replaced", []noctuary.ContextEvent{poolSize,
			deployAt("re", "02:12:00", "checkout synced (scheduled restart)", map[string]string{"revision": "3a7e0c1", "previous_revision": "3a7e0c1"}), symptom},
			"cfg", []string{"ranked below: deploy (argocd, 02:12:00 UTC), it says it redeployed the revision it replaced (3a7e0c1)"}, nil},
		{"a redeploy that says its image digest is unchanged", []noctuary.ContextEvent{poolSize,
			deployAt("re", "02:12:00", "checkout restarted: image digest unchanged sha256:9b1f", nil), symptom},
			"cfg", []string{"it says it redeployed the image that already ran"}, nil},
		{"not: same image, new config", []noctuary.ContextEvent{poolSize,
			deployAt("re", "02:12:00", "checkout synced: image unchanged, ConfigMap checkout-env updated", nil), symptom},
			"re", nil, []string{"ranked below"}},
		{"not: same chart version, values changed", []noctuary.ContextEvent{poolSize,
			deployAt("re", "02:12:00", "helm upgrade checkout", map[string]string{"version": "1.4.0", "previous_version": "1.4.0",
				"old_replicas": "6", "new_replicas": "2"}), symptom},
			"re", nil, []string{"ranked below"}},
		{"a redeploy of the same image is still blamed when nothing else counts", []noctuary.ContextEvent{
			deployAt("re", "02:12:00", "", map[string]string{"image": "checkout:4.1", "previous_image": "checkout:4.1"}), symptom},
			"re", []string{"no other change counts, though it says it redeployed the image it replaced"}, nil},
		{"a key set to the value it had", []noctuary.ContextEvent{poolSize,
			event("kv", "checkout", "config_change", "consul", "02:12:00", "", map[string]string{"key": "timeout_ms", "old": "500", "new": "500"}), symptom},
			"cfg", []string{"it set timeout_ms to the value it already had"}, nil},
		{"a migration tool with nothing to migrate", []noctuary.ContextEvent{poolSize,
			migration(`Schema "orders" is up to date. No migration necessary.`, nil), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"a migration run that applied none", []noctuary.ContextEvent{poolSize,
			migration("flyway migrate finished", map[string]string{"migrations_applied": "0"}), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"not: a migration that applied one", []noctuary.ContextEvent{poolSize,
			migration("Successfully applied 1 migration to schema \"orders\", now at version v58", map[string]string{"migrations_applied": "1"}), symptom},
			"mig", nil, []string{"ranked below"}},
		{"a flag rolled back in one event", []noctuary.ContextEvent{poolSize,
			flag("Flag 'digest-batching' rolled back to version 14 (off)", map[string]string{"flag": "digest-batching", "new_state": "off"}), symptom},
			"cfg", []string{"it rolled the flag back to an earlier state"}, nil},
		{"a flag reverted, said by its action", []noctuary.ContextEvent{poolSize,
			flag("Flag updated", map[string]string{"flag": "new-cart", "action": "revert"}), symptom},
			"cfg", []string{"it rolled the flag back"}, nil},
		{"not: a flag whose name says rollback", []noctuary.ContextEvent{poolSize,
			flag("Flag 'rollback-guard' turned on in Production", map[string]string{"flag": "rollback-guard"}), symptom},
			"fl", nil, []string{"ranked below"}},
		{"not: a deploy rollback stays a candidate", []noctuary.ContextEvent{poolSize,
			deployAt("rb", "02:12:00", "checkout rolled back to 4.0.9", map[string]string{"version": "4.0.9"}), symptom},
			"rb", nil, []string{"ranked below"}},
		{"a flag for internal users only", []noctuary.ContextEvent{poolSize,
			flag("Flag 'admin-dark-mode' turned on for internal users", map[string]string{"flag": "admin-dark-mode"}), symptom},
			"cfg", []string{"it says it targets only internal users"}, nil},
		{"a flag for the employees segment", []noctuary.ContextEvent{poolSize,
			flag("Flag 'new-cart' targeting updated", map[string]string{"flag": "new-cart", "segment": "employees"}), symptom},
			"cfg", []string{"it targets only internal users"}, nil},
		{"a flag rolled out to no one", []noctuary.ContextEvent{poolSize,
			flag("Flag 'bulk-edit' created; percentage rollout 0%", map[string]string{"flag": "bulk-edit"}), symptom},
			"cfg", []string{"it says its rollout reaches no users (0 %)"}, nil},
		{"not: a rollout from 0 % to 50 %", []noctuary.ContextEvent{poolSize,
			flag("Flag 'bulk-edit' rollout 0% -> 50%", map[string]string{"flag": "bulk-edit"}), symptom},
			"fl", nil, []string{"ranked below"}},
		{"not: a flag for every user", []noctuary.ContextEvent{poolSize,
			flag("Flag 'new-cart' turned on for 100% of users", map[string]string{"flag": "new-cart"}), symptom},
			"fl", nil, []string{"ranked below"}},
		{"an internal-only flag is still blamed when nothing else counts", []noctuary.ContextEvent{
			flag("Flag 'admin-dark-mode' turned on for internal users", map[string]string{"flag": "admin-dark-mode"}), symptom},
			"fl", []string{"though it says it targets only internal users"}, nil},
		{"an ECS deployment of the task definition it replaced", []noctuary.ContextEvent{poolSize,
			deployAt("ecs", "02:12:00", "force new deployment", map[string]string{"task_definition": "orders:42", "previous_task_definition": "orders:42"}), symptom},
			"cfg", []string{"it says it redeployed the task definition it replaced (orders:42)"}, nil},
		{"not: a new task definition", []noctuary.ContextEvent{poolSize,
			deployAt("ecs", "02:12:00", "force new deployment", map[string]string{"task_definition": "orders:43", "previous_task_definition": "orders:42"}), symptom},
			"ecs", nil, []string{"ranked below"}},
		{"no pending migrations to apply", []noctuary.ContextEvent{poolSize,
			migration("prisma migrate deploy: No pending migrations to apply.", nil), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"not: no changes to one table, a column to another", []noctuary.ContextEvent{poolSize,
			migration("no change to orders; ALTER TABLE invoices ADD COLUMN currency", nil), symptom},
			"mig", nil, []string{"ranked below"}},
		{"a split killed serves its default", []noctuary.ContextEvent{poolSize,
			event("kill", "checkout", "split_update", "split", "02:12:00", "Split 'checkout-redesign' killed; default treatment 'off' served", nil), symptom},
			"cfg", []string{"it rolled the flag back"}, nil},
		{"a gate for internal users", []noctuary.ContextEvent{poolSize,
			event("gate", "checkout", "gate_updated", "statsig", "02:12:00", "Gate 'beta_ui' now passes for @acme.com (internal only)", nil), symptom},
			"cfg", []string{"it targets only internal users"}, nil},
		{"not: a deploy that killed its old pods", []noctuary.ContextEvent{poolSize,
			deployAt("k", "02:12:00", "checkout 4.2.0 rolled out; old pods killed", map[string]string{"version": "4.2.0"}), symptom},
			"k", nil, []string{"ranked below"}},
		{"a terraform state mv", []noctuary.ContextEvent{poolSize,
			event("tf", "checkout", "terraform_apply", "atlantis", "02:12:00", "terraform state mv: moved module.cache (state only, no infrastructure changes)", nil), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"a migration tool's validate step", []noctuary.ContextEvent{poolSize,
			migration("flyway validate: Successfully validated 212 migrations", nil), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"a job's schedule moved", []noctuary.ContextEvent{poolSize,
			event("cron", "checkout", "kubectl_apply", "argocd", "02:12:00", "cronjob/report configured: schedule '0 2 * * *' -> '0 3 * * *'", nil), symptom},
			"cfg", []string{"it says it moved a job's schedule"}, nil},
		{"not: a schedule and an image", []noctuary.ContextEvent{poolSize,
			event("cron", "checkout", "kubectl_apply", "argocd", "02:12:00", "cronjob/report configured: schedule '0 3 * * *', image report:2.0", nil), symptom},
			"cron", nil, []string{"ranked below"}},
		{"a pipeline that stopped at a manual judgment deployed nothing", []noctuary.ContextEvent{poolSize,
			event("pl", "checkout", "pipeline", "spinnaker", "02:12:00", "Pipeline 'checkout prod' TERMINAL at stage 'Manual Judgment': v88 not deployed",
				map[string]string{"status": "TERMINAL", "version": "v88"}), symptom},
			"cfg", []string{"it was aborted"}, nil},
	})
}

// The classification rules added for what tools send in words of their own.
func TestClassifiedByWhatTheEventSays(t *testing.T) {
	checkKinds(t, []kindCase{
		{"http_4xx", noctuary.ClassFailure},
		{"node_left", noctuary.ClassFailure},
		{"anomaly", noctuary.ClassFailure},
		{"shards_unassigned", noctuary.ClassFailure},
		{"ResetOffsets", noctuary.ClassChange},
		// not: a reset suffered, not ordered
		{"connection_reset_spike", noctuary.ClassFailure},
		{"consumer_offset_reset", noctuary.ClassInfo},
	})
	e := func(kind, summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("e", "checkout", kind, "src", "02:00:00", summary, attrs)
	}
	checkEvents(t, []eventCase{
		{e("container_terminated", "checkout-0 terminated: reason OOMKilled, exit code 137", nil), noctuary.ClassFailure},
		{e("container_terminated", "checkout-0 terminated: reason Completed, exit code 0", nil), noctuary.ClassInfo},
		{e("cluster_state", "cluster state changed", map[string]string{"cluster_health": "red"}), noctuary.ClassFailure},
		{e("cluster_state", "cluster state changed", map[string]string{"cluster_health": "green"}), noctuary.ClassInfo},
		{e("ruleset_published", "Managed ruleset version 2026.12.02 deployed to all colos", map[string]string{"version": "2026.12.02"}), noctuary.ClassChange},
		{e("schema_publish", "Schema published to variant current", map[string]string{"version": "412"}), noctuary.ClassChange},
		// not: published content names no version it installed
		{e("content_published", "Entry 'Black Friday banner' published and deployed", nil), noctuary.ClassInfo},
		{e("consumer_group_reset", "--reset-offsets --to-latest --execute", map[string]string{"user": "ops-script"}), noctuary.ClassChange},
		// not: who read something changed nothing
		{e("user_login", "login from 10.0.0.7", map[string]string{"user": "j.park"}), noctuary.ClassInfo},
		{e("pod_exec", "exec into checkout-7d9f (bash)", map[string]string{"user": "oncall"}), noctuary.ClassInfo},
		{e("consumer_group_reset", "Fetch position out of range, resetting offset", nil), noctuary.ClassInfo},
		{e("RDS-EVENT-0006", "DB instance restarted", nil), noctuary.ClassFailure},
		{e("partition_reassignment", "Reassignment of 412 partitions started", nil), noctuary.ClassChange},
		// not: an incident reassigned to a responder
		{e("incident_reassigned", "reassigned to carol", nil), noctuary.ClassInfo},
		{e("kernel_log", "nf_conntrack: table full, dropping packet", nil), noctuary.ClassFailure},
		// not: a kernel's routine line
		{e("kernel_log", "eth0: link up, 25Gbps full duplex", nil), noctuary.ClassInfo},
	})
}

// Candidates made by evidence: information of the failures' domain, the
// failures naming what a change set, a member that left a cluster, and
// the API contract domain.
func TestEvidenceMakesCandidates(t *testing.T) {
	deploy := deployAt("dep", "02:10:00", "", map[string]string{"version": "88.2.0"})
	tls := event("tls", "checkout", "client_error_spike", "crashlytics", "02:14:00", "SSLHandshakeException: Trust anchor for certification path not found", nil)
	renewed := event("renew", "postgres-main", "certificate_renewed", "cert-manager", "01:57:00", "Certificate api-tls renewed; chain via ISRG Root X2", nil)
	runRankCases(t, []rankCase{
		{"a renewal before TLS errors is a candidate", []noctuary.ContextEvent{deploy, renewed, tls},
			"renew", []string{"TLS symptoms (ssl) point at it"}, nil},
		{"not: a renewal with no TLS symptom stays information", []noctuary.ContextEvent{deploy, renewed, symptom},
			"dep", nil, []string{"certificate_renewed"}},
		{"not: a change of the domain ranks above information of it", []noctuary.ContextEvent{renewed, tls,
			event("ca", "checkout", "config_change", "argocd", "01:55:00", "truststore: CA bundle replaced", map[string]string{"key": "ca_bundle"})},
			"ca", nil, nil},
		{"not: a report of a state is no act", []noctuary.ContextEvent{deploy, tls,
			event("pend", "postgres-main", "pods_pending", "kubernetes", "02:12:00", "3 pods Pending: certificate volume not mounted", nil)},
			"dep", nil, nil},
		{"the failures name the setting a change set", []noctuary.ContextEvent{
			event("roll", "postgres-main", "rolling_restart", "strimzi", "02:10:00", "Rolling update of broker pods started", nil),
			event("isr", "postgres-main", "topic_config_change", "strimzi", "01:51:00", "min.insync.replicas 2 -> 3",
				map[string]string{"setting": "min.insync.replicas", "before": "2", "after": "3"}),
			event("err", "checkout", "log_error_spike", "loki", "02:14:40", "NOT_ENOUGH_REPLICAS: In-sync replicas 2 below the required minimum 3", nil)},
			"isr", []string{"the failures name what it changed (min.insync.replicas)"}, nil},
		{"not: a short subject is no echo", []noctuary.ContextEvent{deployAt("dep", "02:12:00", "", map[string]string{"sha": "b1"}),
			event("ttl", "checkout", "config_change", "consul", "02:00:00", "", map[string]string{"key": "ttl", "old": "30", "new": "60"}),
			event("err", "checkout", "log_error_spike", "loki", "02:14:40", "ttl expired for 3 sessions", nil)},
			"dep", nil, []string{"failures name what it changed"}},
		{"a node that left the cluster is infrastructure", []noctuary.ContextEvent{poolSize,
			event("left", "postgres-main", "node_left", "elasticsearch", "02:07:00", "node-left {es-data-4}: reason: disconnected", nil),
			event("err", "checkout", "error_rate", "sentry", "02:14:00", "NoShardAvailableActionException", nil)},
			"left", []string{"Infrastructure failure: node_left of postgres-main"}, nil},
		{"a cluster node marked as failed is infrastructure", []noctuary.ContextEvent{poolSize,
			event("fail", "postgres-main", "cluster_node_fail", "redis", "02:09:00", "Cluster node 10.0.1.5:6379 marked as FAIL", nil), symptom},
			"fail", []string{"Infrastructure failure: cluster_node_fail of postgres-main"}, nil},
		{"a kernel dropping packets under the service is infrastructure", []noctuary.ContextEvent{
			deployAt("dep", "02:01:00", "", map[string]string{"sha": "b1"}),
			event("ct", "postgres-main", "kernel_log", "journald", "02:08:00", "nf_conntrack: table full, dropping packet", nil), symptom},
			"ct", []string{"Infrastructure failure: kernel_log of postgres-main"}, nil},
		{"NAT port allocation errors are infrastructure", []noctuary.ContextEvent{
			event("fl", "checkout", "feature_flag", "launchdarkly", "02:12:00", "Flag 'x' turned on", map[string]string{"flag": "x"}),
			event("nat", "postgres-main", "nat_gateway_error_port_allocation", "cloudwatch", "02:06:00", "ErrorPortAllocation 4.2k", nil), symptom},
			"nat", []string{"Infrastructure failure"}, nil},
		{"more replicas for too many clients", []noctuary.ContextEvent{
			event("rep", "checkout", "helm_upgrade", "argocd", "02:00:00", "values: replicaCount 10 -> 40", map[string]string{"key": "replicaCount", "old": "10", "new": "40"}),
			event("fl", "checkout", "feature_flag", "launchdarkly", "02:12:00", "Flag 'x' turned on", map[string]string{"flag": "x"}),
			event("err", "checkout", "log_error_spike", "loki", "02:14:40", "FATAL: sorry, too many clients already", nil)},
			"rep", []string{"connection pool symptoms (too many clients) point at it"}, nil},
		{"an upgrade for unknown commands", []noctuary.ContextEvent{
			event("up", "postgres-main", "engine_upgrade", "elasticache", "02:01:00", "upgraded redis 7.0 -> valkey 8.0", map[string]string{"old_engine": "redis-7.0", "new_engine": "valkey-8.0"}),
			deployAt("dep", "02:12:00", "", map[string]string{"version": "3.3.3"}),
			event("err", "checkout", "log_error_spike", "loki", "02:14:40", "ERR unknown command 'JSON.GET'", nil)},
			"up", []string{"API contract symptoms (unknown command) point at it"}, nil},
		{"not: the service's own anomaly is a symptom, no cause", []noctuary.ContextEvent{
			event("anom", "checkout", "anomaly", "datadog", "02:12:00", "requests per minute -52% vs forecast", nil)},
			"", []string{"No change"}, nil},
		{"a cut file limit for too many open files", []noctuary.ContextEvent{
			event("ami", "checkout", "ami_rollout", "packer", "02:00:00", "instances replaced (LimitNOFILE=1024, was 65536)", nil),
			event("cfg", "postgres-main", "config_change", "consul", "02:12:00", "", map[string]string{"key": "gzip_level", "old": "5", "new": "6"}),
			event("err", "checkout", "log_error_spike", "journald", "02:14:40", "accept4() failed (24: Too many open files)", nil)},
			"ami", []string{"file descriptors symptoms (too many open files) point at it"}, nil},
		{"serializable isolation for serialization failures", []noctuary.ContextEvent{
			event("iso", "postgres-main", "db_parameter_change", "rds", "01:59:00", "", map[string]string{"parameter": "default_transaction_isolation", "old": "read-committed", "new": "serializable"}),
			event("fl", "checkout", "feature_flag", "launchdarkly", "02:12:00", "Flag 'x' turned on", map[string]string{"flag": "x"}),
			event("err", "checkout", "log_error_spike", "loki", "02:14:40", "ERROR: could not serialize access due to concurrent update", nil)},
			"iso", []string{"isolation symptoms (could not serialize) point at it"}, nil},
		{"a shorter TTL for cache misses", []noctuary.ContextEvent{
			event("ttl", "postgres-main", "config_change", "consul", "01:59:00", "", map[string]string{"key": "default_ttl", "old": "300", "new": "5"}),
			event("fl", "checkout", "feature_flag", "launchdarkly", "02:12:00", "Flag 'eu-banner' turned on", map[string]string{"flag": "eu-banner"}),
			event("err", "checkout", "saturation", "datadog", "02:14:40", "origin CPU 97%; cache miss ratio 0.93", nil)},
			"ttl", []string{"cache symptoms (cache miss) point at it"}, nil},
		{"a removed RPC for unimplemented errors", []noctuary.ContextEvent{
			event("cfg", "checkout", "config_change", "consul", "02:12:00", "", map[string]string{"key": "cache_ttl_seconds", "old": "30", "new": "60"}),
			event("rel", "postgres-main", "release", "spinnaker", "01:55:00", "9.0.0 deployed (removed deprecated RPCs)", map[string]string{"version": "9.0.0"}),
			event("err", "checkout", "error_rate", "datadog", "02:14:40", "rpc error: code = Unimplemented desc = unknown method GetStock", nil)},
			"rel", []string{"API contract symptoms (unimplemented) point at it"}, nil},
	})
}

package agent

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// rankCase is one ranking rule's case: the events, the event the heuristic
// must blame ("" for none) and words its hypothesis must (and must not) hold.
type rankCase struct {
	name   string
	events []noctuary.ContextEvent
	cause  string
	says   []string
	never  []string
}

func runRankCases(t *testing.T, tests []rankCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Heuristic(request(seedService(), tt.events...))
			got := ""
			if res.Cause != nil {
				got = res.Cause.Event.ID
			}
			if got != tt.cause {
				t.Errorf("cause = %q, want %q\nhypothesis: %s\nsignals: %+v", got, tt.cause, res.Hypothesis, res.Signals)
			}
			for _, w := range tt.says {
				if !strings.Contains(res.Hypothesis, w) {
					t.Errorf("hypothesis lacks %q:\n%s", w, res.Hypothesis)
				}
			}
			for _, w := range tt.never {
				if strings.Contains(res.Hypothesis, w) {
					t.Errorf("hypothesis holds %q:\n%s", w, res.Hypothesis)
				}
			}
			if res.Cause != nil && res.Signals[0].Event.ID != got {
				t.Errorf("the cause is not the first signal: %s", res.Signals[0].Event.ID)
			}
		})
	}
}

// Shared events: the service's own symptom at onset, and an earlier real
// change that the innocuous ones must not displace.
var (
	symptom  = event("err", "checkout", "HighErrorRate", "prometheus", "02:14:30", "5xx ratio 12%", nil)
	poolSize = event("cfg", "checkout", "config_change", "consul", "01:58:00", "", map[string]string{"key": "db_pool_size", "old": "20", "new": "200"})
)

func deployAt(id, hms, summary string, attrs map[string]string) noctuary.ContextEvent {
	return event(id, "checkout", "deploy", "argocd", hms, summary, attrs)
}

func TestInnocuousChangesRankBelow(t *testing.T) {
	tf := func(summary string, attrs map[string]string) noctuary.ContextEvent {
		return event("tf", "checkout", "terraform_apply", "terraform", "02:12:00", summary, attrs)
	}
	flag := func(id, hms, enabled, summary string) noctuary.ContextEvent {
		return event(id, "checkout", "feature_flag", "launchdarkly", hms, summary, map[string]string{"flag": "new-cart", "enabled": enabled})
	}
	runRankCases(t, []rankCase{
		{"terraform run with no changes", []noctuary.ContextEvent{poolSize, tf("Apply complete! Resources: 0 added, 0 changed, 0 destroyed.", nil), symptom},
			"cfg", []string{"ranked below: terraform_apply (terraform, 02:12:00 UTC), it reported no changes"}, nil},
		{"terraform plan that says no changes", []noctuary.ContextEvent{poolSize, tf("No changes. Your infrastructure matches the configuration.", nil), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"terraform counts all zero", []noctuary.ContextEvent{poolSize, tf("", map[string]string{"add": "0", "change": "0", "destroy": "0"}), symptom},
			"cfg", []string{"it reported no changes"}, nil},
		{"not: terraform run that changed something", []noctuary.ContextEvent{poolSize, tf("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.", nil), symptom},
			"tf", nil, []string{"ranked below"}},
		{"not: one count above zero", []noctuary.ContextEvent{poolSize, tf("", map[string]string{"add": "0", "change": "1", "destroy": "0"}), symptom},
			"tf", nil, []string{"ranked below"}},
		{"not: 'no changes to' a part", []noctuary.ContextEvent{poolSize, tf("no changes to the VPC; resized the node group", nil), symptom},
			"tf", nil, []string{"ranked below"}},
		{"docs-only deploy", []noctuary.ContextEvent{poolSize, deployAt("doc", "02:12:00", "docs-only: fix runbook links", map[string]string{"sha": "d0c5"}), symptom},
			"cfg", []string{"it says it changed only docs"}, nil},
		{"metrics-only deploy by scope attribute", []noctuary.ContextEvent{poolSize, deployAt("met", "02:12:00", "", map[string]string{"sha": "3e7", "scope": "metrics"}), symptom},
			"cfg", []string{"it says it changed only metrics"}, nil},
		{"deploy changing only markdown files", []noctuary.ContextEvent{poolSize, deployAt("md", "02:12:00", "", map[string]string{"files": "README.md, docs/oncall.md"}), symptom},
			"cfg", []string{"it changed only documentation or test files"}, nil},
		{"not: a deploy that adds metrics and code", []noctuary.ContextEvent{poolSize, deployAt("met", "02:12:00", "add metrics for the pool and retry on timeout", nil), symptom},
			"met", nil, []string{"ranked below"}},
		{"not: a docs title over code files", []noctuary.ContextEvent{poolSize, deployAt("dc", "02:12:00", "docs: update API docs and fix paging",
			map[string]string{"files": "docs/api.md, internal/api/paging.go"}), symptom}, "dc", nil, []string{"ranked below"}},
		{"by its own account only: still blamed when nothing else is a candidate", []noctuary.ContextEvent{
			deployAt("met", "02:00:00", "chore(metrics): add user_id label", map[string]string{"revision": "c4d5e6f"}),
			event("oom", "checkout", "OOMKilled", "kubernetes", "02:14:00", "", nil)},
			"met", []string{"no other change counts, though it says it changed only metrics"}, []string{"First failure"}},
		{"not: a no-op run is never blamed", []noctuary.ContextEvent{tf("No changes.", nil),
			event("oom", "checkout", "OOMKilled", "kubernetes", "02:14:00", "", nil)}, "oom", []string{"First failure"}, nil},
		{"not: docs and code files", []noctuary.ContextEvent{poolSize, deployAt("md", "02:12:00", "", map[string]string{"files": "README.md,cmd/main.go"}), symptom},
			"md", nil, []string{"ranked below"}},
		{"aborted canary", []noctuary.ContextEvent{poolSize, event("can", "checkout", "canary", "argo-rollouts", "02:12:00", "canary aborted: analysis run failed", map[string]string{"image": "checkout:2.1"}), symptom},
			"cfg", []string{"it was aborted"}, nil},
		{"rollout aborted by status", []noctuary.ContextEvent{poolSize, event("can", "checkout", "rollout", "argo-rollouts", "02:12:00", "", map[string]string{"status": "Aborted"}), symptom},
			"cfg", []string{"it was aborted"}, nil},
		{"not: a deploy about aborted transactions", []noctuary.ContextEvent{poolSize, deployAt("tx", "02:12:00", "retry aborted transactions", nil), symptom},
			"tx", nil, []string{"ranked below"}},
		{"flag rolled back before onset", []noctuary.ContextEvent{poolSize, flag("on", "02:05:00", "true", ""), flag("off", "02:09:00", "false", ""), symptom},
			"cfg", []string{"it was undone at 02:09:00 UTC, before onset", "it undid the change at 02:05:00 UTC"}, nil},
		{"flag reverted, said so", []noctuary.ContextEvent{poolSize, flag("on", "02:05:00", "50%", ""), flag("off", "02:09:00", "0%", "reverted new-cart rollout"), symptom},
			"cfg", []string{"it was undone"}, nil},
		{"not: flag rolled back after onset", []noctuary.ContextEvent{poolSize, flag("on", "02:05:00", "true", ""), flag("off", "02:16:00", "false", ""), symptom},
			"on", []string{"Feature flag change flag=new-cart (enabled=true)"}, []string{"undone"}},
		{"not: another flag turned off", []noctuary.ContextEvent{poolSize, flag("on", "02:05:00", "true", ""),
			event("other", "checkout", "feature_flag", "launchdarkly", "02:09:00", "", map[string]string{"flag": "dark-mode", "enabled": "false"}), symptom},
			"other", nil, []string{"undone"}},
		{"deploy rolled back to the sha it replaced", []noctuary.ContextEvent{poolSize,
			deployAt("bad", "02:03:00", "", map[string]string{"sha": "b2b2", "previous_sha": "a1a1"}),
			deployAt("back", "02:06:00", "", map[string]string{"sha": "a1a1", "previous_sha": "b2b2"}), symptom},
			"cfg", []string{"it was undone at 02:06:00 UTC"}, nil},
		{"deploy of a service with no dependency path", []noctuary.ContextEvent{poolSize,
			event("mkt", "marketing-site", "deploy", "argocd", "02:13:00", "", map[string]string{"sha": "abc1"}), symptom},
			"cfg", []string{"marketing-site has no declared dependency path to checkout"}, nil},
		{"not: deploy of a declared dependency", []noctuary.ContextEvent{poolSize,
			event("pg", "postgres-main", "deploy", "argocd", "02:13:00", "", map[string]string{"image": "postgres:16.4"}), symptom},
			"pg", []string{"Deploy image=postgres:16.4 of postgres-main"}, []string{"ranked below"}},
		{"only innocuous changes: no change blamed", []noctuary.ContextEvent{tf("No changes.", nil), symptom},
			"", []string{"No change in the 30 minutes before onset that counts (ranked below: terraform_apply"}, nil},
	})
}

func TestFailuresAsCauses(t *testing.T) {
	disk := event("disk", "postgres-main", "DiskFull", "prometheus", "02:03:00", "/var/lib/postgresql 100% used", nil)
	runRankCases(t, []rankCase{
		{"disk full on a dependency, no change", []noctuary.ContextEvent{disk,
			event("pgerr", "postgres-main", "error_rate", "prometheus", "02:05:00", "could not extend file: No space left on device", nil), symptom},
			"disk", []string{"Infrastructure failure: DiskFull of postgres-main 12 minutes before onset"}, nil},
		{"certificate expired under the service beats a later docs deploy", []noctuary.ContextEvent{
			event("cert", "checkout", "certificate_expired", "cert-manager", "02:00:00", "certificate checkout-tls expired", nil),
			deployAt("doc", "02:12:00", "docs only", nil), symptom},
			"cert", []string{"Infrastructure failure: certificate_expired of checkout", "ranked below: deploy (argocd, 02:12:00 UTC), it says it changed only docs"}, nil},
		{"zone outage named in an alert's words", []noctuary.ContextEvent{
			event("az", "postgres-main", "aws_health", "aws", "02:06:00", "Availability zone us-east-1a: connectivity issues", nil), symptom},
			"az", []string{"Infrastructure failure"}, nil},
		{"evictions with no change before them", []noctuary.ContextEvent{
			event("ev", "checkout", "Evicted", "kubernetes", "02:08:00", "The node was low on resource: memory", nil), symptom},
			"ev", []string{"First failure, with no change before it: Evicted of checkout"}, nil},
		{"a dependency's failure with no change before it", []noctuary.ContextEvent{
			event("lag", "postgres-main", "replication_lag", "prometheus", "02:06:00", "replica 40s behind", nil), symptom},
			"lag", nil, nil},
		{"not: the service's own symptom", []noctuary.ContextEvent{symptom}, "", []string{"the strongest signal is HighErrorRate"}, nil},
		{"not: an OOMKill after the service's deploy", []noctuary.ContextEvent{
			deployAt("dep", "02:08:00", "", map[string]string{"sha": "a4f2c1"}),
			event("oom", "checkout", "OOMKilled", "kubernetes", "02:13:00", "", nil), symptom},
			"dep", nil, nil},
		{"not: a dependency's failure after a change that counts", []noctuary.ContextEvent{poolSize,
			event("conn", "postgres-main", "too_many_connections", "postgres", "02:01:00", "remaining connection slots are reserved", nil), symptom},
			"cfg", []string{"connection pool symptoms (too many connections) point at it"}, nil},
		{"not: an infrastructure failure after onset", []noctuary.ContextEvent{
			event("late", "postgres-main", "DiskFull", "prometheus", "02:16:00", "", nil), symptom},
			"", []string{"the strongest signal"}, nil},
	})
}

func TestSymptomDomainsPreferACandidate(t *testing.T) {
	certRotation := event("rot", "postgres-main", "cert_rotation", "vault", "01:58:00", "rotated server certificate, new CA bundle", nil)
	laterDeploy := deployAt("dep", "02:11:00", "", map[string]string{"sha": "9d9d"})
	runRankCases(t, []rankCase{
		{"TLS handshake errors after a TLS change", []noctuary.ContextEvent{certRotation, laterDeploy,
			event("tls", "checkout", "error_rate", "envoy", "02:13:00", "upstream TLS handshake failed: x509: certificate signed by unknown authority", nil)},
			"rot", []string{"TLS symptoms (tls) point at it"}, nil},
		{"connection refused after a listener change", []noctuary.ContextEvent{
			event("lis", "postgres-main", "config_change", "ansible", "01:59:00", "moved listener to port 6432", map[string]string{"key": "listen_port"}),
			laterDeploy, event("ref", "checkout", "error_rate", "app", "02:13:00", "dial tcp 10.0.0.5:5432: connect: connection refused", nil)},
			"lis", []string{"connection symptoms (connection refused) point at it"}, nil},
		{"deadlocks after a migration", []noctuary.ContextEvent{
			event("mig", "postgres-main", "migration", "flyway", "02:00:00", "V42 add index concurrently on orders", map[string]string{"migration": "V42__orders_index"}),
			laterDeploy, event("dl", "postgres-main", "deadlock", "postgres", "02:13:00", "deadlock detected", nil)},
			"mig", []string{"Migration migration=V42__orders_index of postgres-main", "database locks symptoms (deadlock) point at it"}, nil},
		{"the incident's title is evidence too", []noctuary.ContextEvent{certRotation, laterDeploy, symptom},
			"dep", nil, []string{"point at it"}},
		{"not: the change's own words are no evidence", []noctuary.ContextEvent{certRotation, laterDeploy,
			event("e", "checkout", "error_rate", "prometheus", "02:13:00", "5xx ratio 8%", nil)},
			"dep", nil, []string{"point at it"}},
		{"not: an innocuous change is not promoted", []noctuary.ContextEvent{poolSize,
			event("tf", "postgres-main", "terraform_apply", "terraform", "02:10:00", "tls listener: no changes", nil),
			event("tls", "checkout", "error_rate", "envoy", "02:13:00", "TLS handshake failed", nil)},
			"cfg", []string{"it reported no changes"}, nil},
	})
}

func TestHypothesisSaysWhatChanged(t *testing.T) {
	runRankCases(t, []rankCase{
		{"old and new value", []noctuary.ContextEvent{
			event("nt", "postgres-main", "config_change", "terraform", "02:03:00", "", map[string]string{"key": "node_type", "from": "m5.large", "to": "m6g.large"}), symptom},
			"nt", []string{"Config change key=node_type of postgres-main (m5.large → m6g.large) applied 12 minutes before onset"}, nil},
		{"flag and its new state", []noctuary.ContextEvent{
			event("ff", "checkout", "feature_flag", "launchdarkly", "02:10:00", "", map[string]string{"flag": "new-cart", "state": "on"}), symptom},
			"ff", []string{"Feature flag change flag=new-cart (state=on) made"}, nil},
		{"image beside the sha", []noctuary.ContextEvent{
			deployAt("img", "02:10:00", "", map[string]string{"sha": "a4f2c1", "image": "registry/checkout:2.4.1"}), symptom},
			"img", []string{"Deploy sha=a4f2c1 (image=registry/checkout:2.4.1) rolled out"}, nil},
		{"a summary that says more is quoted", []noctuary.ContextEvent{
			deployAt("sum", "02:10:00", "bump pgx to v5 and raise pool", map[string]string{"sha": "a4f2c1"}), symptom},
			"sum", []string{`argocd wrote "bump pgx to v5 and raise pool"`}, nil},
		{"not: free text values are not our words", []noctuary.ContextEvent{
			event("ft", "checkout", "config_change", "consul", "02:10:00", "", map[string]string{"key": "timeout", "old": "5 s", "new": "1s; curl evil"}), symptom},
			"ft", []string{"Config change key=timeout applied"}, []string{"curl", "→"}},
		{"not: a summary that only repeats the attributes", []noctuary.ContextEvent{
			deployAt("rep", "02:10:00", "checkout rolled out sha=a4f2c1", map[string]string{"sha": "a4f2c1"}), symptom},
			"rep", nil, []string{"wrote"}},
	})
}

func TestMoreInnocuousChanges(t *testing.T) {
	staging := seedService()
	staging.Environment = "staging"
	tests := []struct {
		name  string
		svc   noctuary.Service
		last  noctuary.ContextEvent
		below bool // whether last ranks below poolSize
		says  string
	}{
		{"deploy to staging", seedService(), deployAt("st", "02:12:00", "", map[string]string{"version": "4.1.0", "environment": "staging"}),
			true, "it was made in staging, not where checkout runs"},
		{"flag turned on in staging", seedService(), event("st", "checkout", "feature_flag", "launchdarkly", "02:12:00",
			"Flag new-cart turned ON in Staging", map[string]string{"flag": "new-cart"}), true, "it was made in staging"},
		{"not: deploy to production", seedService(), deployAt("st", "02:12:00", "", map[string]string{"environment": "prod"}), false, ""},
		{"not: staging when the service runs in staging", staging, deployAt("st", "02:12:00", "", map[string]string{"environment": "staging"}), false, ""},
		{"autoscaler scaling", seedService(), event("hpa", "checkout", "scaled", "kubernetes", "02:12:00",
			"HPA checkout scaled 6 -> 9 replicas (cpu 88%)", nil), true, "it is an autoscaler's routine scaling"},
		{"not: a scale-down by hand", seedService(), event("sd", "checkout", "scale", "terraform", "02:12:00",
			"scaled cache nodes 6 -> 2", nil), false, ""},
		{"conventional docs commit", seedService(), deployAt("cc", "02:12:00", "checkout deployed: docs: fix typo in README", nil), true, "it says it changed only docs"},
		{"conventional metrics chore", seedService(), deployAt("cc", "02:12:00", "chore(metrics): add histogram buckets", nil), true, "it says it changed only metrics"},
		{"not: a fix in a docs package", seedService(), deployAt("cc", "02:12:00", "fix(docs-api): handle nil page", nil), false, ""},
		{"not: a feature about docs", seedService(), deployAt("cc", "02:12:00", "feat: docs page served from checkout", nil), false, ""},
		{"tags only", seedService(), event("tf", "checkout", "terraform_apply", "terraform", "02:12:00",
			"Apply complete! Resources: 0 added, 1 changed, 0 destroyed. (tags only: cost-center)", nil), true, "it says it changed only tags"},
		{"failed canary rolled back", seedService(), event("fl", "checkout", "canary", "flagger", "02:12:00",
			"Canary failed! Scaling down checkout; rolling back to checkout-primary", nil), true, "the canary failed and was rolled back"},
		{"not: a canary promoted", seedService(), event("fl", "checkout", "canary", "flagger", "02:12:00", "Canary promoted to 100%", nil), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Heuristic(request(tt.svc, poolSize, tt.last, symptom))
			if got := res.Cause.Event.ID == poolSize.ID; got != tt.below {
				t.Errorf("cause = %s; hypothesis: %s", res.Cause.Event.ID, res.Hypothesis)
			}
			if !strings.Contains(res.Hypothesis, tt.says) {
				t.Errorf("hypothesis lacks %q: %s", tt.says, res.Hypothesis)
			}
		})
	}
}

func TestWhatChangedFromPairs(t *testing.T) {
	tests := []struct {
		attrs map[string]string
		want  string
	}{
		{map[string]string{"record": "api.example.com", "old_target": "lb-1.example.net", "new_target": "lb-2.example.net"},
			" (record=api.example.com, lb-1.example.net → lb-2.example.net)"},
		{map[string]string{"field": "replicaCount", "rollout_before": "12", "rollout_after": "2"}, " (field=replicaCount, 12 → 2)"},
		{map[string]string{"key": "node_type", "from_version": "m5", "to_version": "m6g"}, " (m5 → m6g)"},
		{map[string]string{"script": "V88__add_not_null_email", "version": "88"}, " (script=V88__add_not_null_email)"},
		{map[string]string{"key": "x", "new_value": "two words"}, ""},
	}
	for _, tt := range tests {
		e := event("c", "checkout", "config_change", "consul", "02:00:00", "", tt.attrs)
		if got := whatChanged(e); got != tt.want {
			t.Errorf("whatChanged(%v) = %q, want %q", tt.attrs, got, tt.want)
		}
	}
}

func TestClassifyKindsOfRealTools(t *testing.T) {
	tests := map[string]noctuary.Class{
		"db_parameter_change": noctuary.ClassChange, "acl_change": noctuary.ClassChange, "kubectl_apply": noctuary.ClassChange,
		"kustomization_applied": noctuary.ClassChange, "certificate_rotation": noctuary.ClassChange, "rolling_restart": noctuary.ClassChange,
		"maintenance": noctuary.ClassChange, "ModifyDBInstance": noctuary.ClassChange,
		"CPUCreditBalanceLow": noctuary.ClassFailure, "TempFilesHigh": noctuary.ClassFailure, "cluster_health_red": noctuary.ClassFailure,
		"SpotInterruptionWarning": noctuary.ClassFailure, "UnderReplicatedPartitions": noctuary.ClassFailure,
		"provider_incident": noctuary.ClassFailure, "slow_queries": noctuary.ClassFailure, "pod_restarted": noctuary.ClassFailure,
		"connection_reset": noctuary.ClassFailure, "failover": noctuary.ClassFailure,
		"certificate_renewed": noctuary.ClassInfo, "log_rotation": noctuary.ClassInfo, "consumer_offset_reset": noctuary.ClassInfo,
		"scheduled_maintenance": noctuary.ClassInfo, "workflow_completed": noctuary.ClassInfo, "Killing": noctuary.ClassInfo,
	}
	for kind, want := range tests {
		if got := Classify(kind); got != want {
			t.Errorf("Classify(%q) = %s, want %s", kind, got, want)
		}
	}
}

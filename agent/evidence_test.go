package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

func TestServiceNamesAreNoEvidence(t *testing.T) {
	svc := noctuary.Service{Key: "api-ratelimit", Dependencies: []string{"ratelimit-redis"}}
	for _, tt := range []struct {
		in    text
		names []string
		want  text
	}{
		{textOf("api-ratelimit:1.44.0 synced"), []string{"api-ratelimit"}, " 1 44 0 synced "},
		{textOf("ratelimiter failing open"), []string{"api-ratelimit"}, " failing open "},
		{textOf("apiratelimit restarted"), []string{"api-ratelimit"}, " restarted "},
		// not: a short word of the name is removed only as the name
		{textOf("maintenance on postgres-main"), []string{"postgres-main"}, " maintenance on "},
		{textOf("main pool exhausted"), []string{"postgres-main"}, " main pool exhausted "},
	} {
		if got := withoutNames(tt.in, tt.names...); got != tt.want {
			t.Errorf("withoutNames(%q, %v) = %q, want %q", tt.in, tt.names, got, tt.want)
		}
	}
	deploy := event("dep", "api-ratelimit", "deploy", "argocd", "02:10:00", "api-ratelimit:1.44.0 synced", nil)
	policy := event("pol", "ratelimit-redis", "config_set", "redis-audit", "01:52:00",
		"CONFIG SET maxmemory-policy noeviction", map[string]string{"parameter": "maxmemory-policy", "old": "volatile-lru", "new": "noeviction"})
	oom := event("oom", "api-ratelimit", "log_error_spike", "loki", "02:14:00", "OOM command not allowed when used memory > 'maxmemory'", nil)
	res := triage(svc, "ratelimiter failing open: errors > 1k/s", policy, deploy, oom)
	if res.Cause == nil || res.Cause.Event.ID != "pol" {
		t.Fatalf("cause = %v, want pol: %s", res.Cause, res.Hypothesis)
	}
	if reasonOf(res.Signals[1], "rate limit") != "" {
		t.Errorf("the service's name made rate limit evidence: %v", res.Signals[1].Reasons)
	}
}

func TestReplicationSymptomsPointAtBrokerChanges(t *testing.T) {
	roll := event("roll", "postgres-main", "rolling_restart", "strimzi", "02:05:00", "Rolling update of Kafka pods started", nil)
	flag := event("flag", "checkout", "flag_updated", "flagsmith", "02:12:00", "Feature 'async-capture' enabled", nil)
	runRankCases(t, []rankCase{
		{"not enough replicas after a broker roll", []noctuary.ContextEvent{roll, flag,
			event("err", "checkout", "log_error_spike", "datadog", "02:14:00", "produce response: NOT_ENOUGH_REPLICAS on topic payments", nil)},
			"roll", []string{"replication symptoms (not enough replicas) point at it"}, nil},
		{"not: errors that say nothing of replicas", []noctuary.ContextEvent{roll, flag,
			event("err", "checkout", "log_error_spike", "datadog", "02:14:00", "NullPointerException in CaptureHandler", nil)},
			"flag", nil, []string{"point at it"}},
	})
}

func TestACandidatesOwnServiceNamesItsDomain(t *testing.T) {
	svc := noctuary.Service{Key: "checkout", Dependencies: []string{"coredns", "payments"}}
	corefile := event("dns", "coredns", "configmap_updated", "flux", "02:03:00", "kube-system/coredns Corefile updated", nil)
	pay := event("pay", "payments", "deploy", "argocd", "02:10:00", "payments:9.1.0 synced", nil)
	lookup := event("err", "checkout", "log_error_spike", "loki", "02:14:00", "dial tcp: lookup payments.prod.svc: i/o timeout", nil)
	const title = "checkout timeouts calling payments"
	res := triage(svc, title, corefile, pay, lookup)
	if res.Cause == nil || res.Cause.Event.ID != "dns" {
		t.Fatalf("cause = %v, want dns: %s", res.Cause, res.Hypothesis)
	}
	// not: a deploy whose service is named like a domain gets no evidence
	// from failures that do not show its symptoms
	plain := event("err", "checkout", "log_error_spike", "loki", "02:14:00", "NullPointerException", nil)
	res = triage(svc, title, corefile, pay, plain)
	if res.Cause == nil || res.Cause.Event.ID != "pay" {
		t.Errorf("cause = %v, want pay: %s", res.Cause, res.Hypothesis)
	}
}

func TestFailoversAndReboots(t *testing.T) {
	reboot := event("rb", "postgres-main", "host_rebooted", "aws-health", "02:08:00", "instance rebooted for scheduled maintenance", nil)
	sw := event("sw", "postgres-main", "switch_master", "redis-sentinel", "02:09:00", "+switch-master mymaster 10.0.1.4 10.0.1.7", nil)
	ro := event("ro", "checkout", "log_error_spike", "loki", "02:14:00", "READONLY You can't write against a read only replica.", nil)
	runRankCases(t, []rankCase{
		{"the reboot explains the failover after it", []noctuary.ContextEvent{reboot, sw, ro},
			"rb", []string{"Infrastructure failure: host_rebooted of postgres-main"}, nil},
		{"read-only errors point at the failover over a later deploy", []noctuary.ContextEvent{sw,
			deployAt("dep", "02:12:00", "", map[string]string{"sha": "c0ffee1"}), ro},
			"sw", []string{"failover symptoms (readonly) point at it"}, nil},
		{"not: errors that do not show a failover are no evidence for it", []noctuary.ContextEvent{sw,
			deployAt("dep", "02:12:00", "", map[string]string{"sha": "c0ffee1"}),
			event("npe", "checkout", "log_error_spike", "loki", "02:14:00", "NullPointerException", nil)},
			"sw", nil, []string{"point at it"}},
	})
}

func TestCamelCaseInSummariesAndProviderHealth(t *testing.T) {
	if got, want := camelTokens("ModifyListener SslPolicy ELBSecurityPolicy-2016-08 x509"), "Modify Listener Ssl Policy ELB Security Policy"; got != want {
		t.Errorf("camelTokens = %q, want %q", got, want)
	}
	// not: words that are not CamelCase add nothing
	if got := camelTokens("connection refused by postgres-main"); got != "" {
		t.Errorf("camelTokens of plain words = %q", got)
	}
	listener := event("pol", "postgres-main", "ModifyListener", "aws-cloudtrail", "02:05:00",
		"ModifyListener 443 SslPolicy ELBSecurityPolicy-2016-08 -> ELBSecurityPolicy-TLS13-1-2-2021-06", nil)
	waf := event("waf", "postgres-main", "ruleset_deployed", "cloudflare", "02:05:00", "Managed ruleset updated; action block", nil)
	later := deployAt("dep", "02:12:00", "", map[string]string{"version": "5.1"})
	runRankCases(t, []rankCase{
		{"a TLS policy named in CamelCase is a TLS change", []noctuary.ContextEvent{listener, later,
			event("e", "checkout", "log_error_spike", "loki", "02:14:00", "tls: client offered only unsupported versions", nil)},
			"pol", []string{"TLS symptoms (tls) point at it"}, nil},
		{"403s point at a WAF ruleset", []noctuary.ContextEvent{waf, later,
			event("e", "checkout", "error_rate", "datadog", "02:14:00", "403 Forbidden from edge on POST /checkout", nil)},
			"waf", []string{"auth symptoms"}, nil},
		{"a provider's health event is infrastructure, and explains the nodes after it", []noctuary.ContextEvent{
			event("gcp", "postgres-main", "gcp_service_health", "google-cloud", "02:04:00", "Networking issues in us-central1-b", nil),
			event("nn", "postgres-main", "NodeNotReady", "kubernetes", "02:07:00", "Node pool-b-9x NotReady", nil), symptom},
			"gcp", []string{"Infrastructure failure: gcp_service_health of postgres-main"}, nil},
		{"not: a WAF change without 403s is no auth change", []noctuary.ContextEvent{waf, later, symptom},
			"dep", nil, []string{"point at it"}},
	})
}

func TestFailuresThatNameADependency(t *testing.T) {
	sealed := event("sealed", "postgres-main", "replication_lag", "prometheus", "02:06:00", "replica 40s behind", nil)
	dep := deployAt("dep", "02:10:00", "", map[string]string{"image": "checkout:2.2.2"})
	runRankCases(t, []rankCase{
		{"errors that name the dependency point at its failure", []noctuary.ContextEvent{sealed, dep,
			event("e", "checkout", "CrashLoopBackOff", "kubernetes", "02:14:00", "cannot reach postgres-main: connection closed", nil)},
			"sealed", []string{"First failure", "the failures name postgres-main"}, nil},
		{"not: the dependency's own failure naming itself", []noctuary.ContextEvent{sealed, dep,
			event("e", "postgres-main", "log_error", "postgres", "02:14:00", "postgres-main: shutting down", nil)},
			"dep", nil, []string{"the failures name"}},
	})
}

func TestACauseComesBeforeItsEffects(t *testing.T) {
	cpu := event("cpu", "postgres-main", "CPUSaturation", "cloudwatch", "02:08:00", "CPUUtilization 99%", nil)
	own := deployAt("own", "02:03:00", "cache key prefix v3 -> v4", map[string]string{"version": "v88"})
	flag := event("ff", "checkout", "flag_updated", "launchdarkly", "02:12:00", "Flag 'dark-mode' turned on", map[string]string{"flag": "dark-mode"})
	runRankCases(t, []rankCase{
		{"a change after the failures began, none after it, ranks below", []noctuary.ContextEvent{own, cpu, flag},
			"own", nil, nil},
		{"not: below the floor when it is the only candidate", []noctuary.ContextEvent{
			event("own", "checkout", "HighErrorRate", "prometheus", "02:08:00", "5xx 9%", nil), flag},
			"ff", []string{"Feature flag change flag=dark-mode"}, nil},
	})
}

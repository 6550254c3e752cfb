package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

func TestKindClassesKeysAreNormalised(t *testing.T) {
	for k, c := range KindClasses {
		if NormalizeKind(k) != k {
			t.Errorf("key %q is not normalised (want %q)", k, NormalizeKind(k))
		}
		if c != noctuary.ClassChange && c != noctuary.ClassFailure && c != noctuary.ClassInfo {
			t.Errorf("key %q has unknown class %q", k, c)
		}
	}
}

func TestClassifyTable(t *testing.T) {
	for k, want := range KindClasses {
		if got := Classify(k); got != want {
			t.Errorf("Classify(%q) = %q, want %q", k, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		kind string
		want noctuary.Class
	}{
		{"OOMKilled", noctuary.ClassFailure},
		{"oom_kill", noctuary.ClassFailure},
		{"OOMKill", noctuary.ClassFailure},
		{"crash-loop-back-off", noctuary.ClassFailure},
		{"CrashLoopBackOff", noctuary.ClassFailure},
		{"HighLatency", noctuary.ClassFailure},
		{"certificate_expired", noctuary.ClassFailure},
		{"Config Change", noctuary.ClassChange},
		{"feature-flag", noctuary.ClassChange},
		{"terraform.apply", noctuary.ClassChange},
		{"deploy", noctuary.ClassChange},
		// keyword fallback: changes
		{"argo_deploy_started", noctuary.ClassChange},
		{"k8s-rollout-complete", noctuary.ClassChange},
		{"app_config_updated", noctuary.ClassChange},
		{"launchdarkly.flag.updated", noctuary.ClassChange},
		{"db_migrated", noctuary.ClassChange},
		{"deploy_failed", noctuary.ClassChange},
		{"deployment_failure", noctuary.ClassFailure},
		{"deployment_error", noctuary.ClassFailure},
		{"autoscale_event", noctuary.ClassChange},
		// keyword fallback: failures
		{"container_oom", noctuary.ClassFailure},
		{"app-crashed", noctuary.ClassFailure},
		{"healthcheck_failed", noctuary.ClassFailure},
		{"DatabaseErrors", noctuary.ClassFailure},
		{"lock_deadlock_detected", noctuary.ClassFailure},
		{"p99_latency_breach", noctuary.ClassFailure},
		{"upstream_timeout", noctuary.ClassFailure},
		{"pod_evicted", noctuary.ClassFailure},
		{"node_down", noctuary.ClassFailure},
		{"region_outage", noctuary.ClassFailure},
		{"cpu_saturated", noctuary.ClassFailure},
		{"connection_pool_exhausted", noctuary.ClassFailure},
		// information
		{"audit_log", noctuary.ClassInfo},
		{"user_login", noctuary.ClassInfo},
		{"", noctuary.ClassInfo},
		{"!!!", noctuary.ClassInfo},
	}
	for _, tt := range tests {
		if got := Classify(tt.kind); got != tt.want {
			t.Errorf("Classify(%q) = %q, want %q", tt.kind, got, tt.want)
		}
	}
}

func TestNormalizeKind(t *testing.T) {
	tests := map[string]string{
		"OOMKilled":           "oomkilled",
		"oom_kill":            "oomkill",
		"crash-loop-back-off": "crashloopbackoff",
		" Config Change ":     "configchange",
		"HTTP 5xx":            "http5xx",
	}
	for in, want := range tests {
		if got := NormalizeKind(in); got != want {
			t.Errorf("NormalizeKind(%q) = %q, want %q", in, got, want)
		}
	}
}

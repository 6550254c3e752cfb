package agent

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Pools of a random dense window: small, so that subjects, versions,
// rollbacks, timestamps and the rules' words meet often.
var (
	denseKinds = []string{"deploy", "Deploy", "rollback", "rollout", "feature_flag", "flag_change", "config_change",
		"scale", "HPA", "terraform_apply", "helm_upgrade", "migration", "canary", "deploy_aborted", "rollout_cancelled",
		"OOMKilled", "error_rate", "5xx", "disk_full", "certificate_expired", "deadlock", "connection_refused",
		"NodeNotReady", "latency_high", "alert", "info", "heartbeat", "backup", "scaled_up_group", "CrashLoopBackOff"}
	denseSources = []string{"argocd", "github", "launchdarkly", "kubernetes", "prometheus", "alertmanager", "keda",
		"terraform", "datadog", "cluster autoscaler"}
	denseWords = []string{"docs only", "only tests", "no changes", "0 to add 0 to change 0 to destroy", "canary aborted",
		"rollout was cancelled", "rolled back", "Revert", "restore", "TLS handshake failed", "x509 certificate",
		"connection refused", "in staging", "to dev", "autoscaler", "HPA", "scaled", "no functional change",
		"docs: fix typo", "chore(metrics): new panel", "deadlock detected", "out of memory", "heap", "migration",
		"schema", "listener port", "pool exhausted", "timeout", "retry", "disk full", "no space left", "node not ready",
		"canary failed", "rolling back", "checkout", "orders", "payments", "sha=a4f2c1", "ÄÖÜ ſ K", "x"}
	denseSubjects = []string{"new-checkout", "NEW-CHECKOUT", "dark-mode", "Dark-Mode", "pricing", "ſtrict", "STRICT"}
	denseValues   = []string{"true", "false", "on", "off", "10", "20", "enabled", "disabled"}
	denseVersions = []string{"a4f2c1", "f8b3e22", "c0ffee", "deadbe", "v1.2.3", "v1.2.4"}
	denseEnvs     = []string{"production", "prod", "staging", "dev", "qa", ""}
	denseStatus   = []string{"success", "aborted", "failed", "Cancelled", "critical", "degraded", ""}
	denseAttrs    = []struct {
		key    string
		values []string
	}{{"environment", denseEnvs}, {"status", denseStatus}, {"files", []string{"docs/a.md,README.md", "main.go", "pkg/x_test.go", ""}},
		{"add", []string{"0", "3"}}, {"scope", []string{"docs", "api"}}}
)

// denseWindow returns n random ContextEvents of services svc-00 to
// svc-(services-1) around onset, deterministic for seed: changes, failures
// and information whose kinds, summaries and attributes exercise every
// ranking rule (undone pairs of flags, versions and rollbacks among them),
// many at the same second.
func denseWindow(seed uint64, n, services int, onset time.Time) []noctuary.ContextEvent {
	r := rand.New(rand.NewPCG(seed, 0x6e6f6374))
	pick := func(pool []string) string { return pool[r.IntN(len(pool))] }
	out := make([]noctuary.ContextEvent, n)
	for i := range out {
		// 40 minutes before onset to 10 after, to the second: the window
		// cuts both ends and many events share a timestamp.
		at := onset.Add(time.Duration(r.IntN(50*60)-40*60) * time.Second)
		var sum []string
		for range r.IntN(4) {
			sum = append(sum, pick(denseWords))
		}
		attrs := map[string]string{}
		if r.IntN(3) == 0 {
			attrs["flag"] = pick(denseSubjects)
			attrs[[]string{"new_value", "to", "state"}[r.IntN(3)]] = pick(denseValues)
			if r.IntN(2) == 0 {
				attrs["old_value"] = pick(denseValues)
			}
		}
		if r.IntN(2) == 0 {
			k := pick(versionKeys[:])
			attrs[k] = pick(denseVersions)
			if r.IntN(2) == 0 {
				attrs["previous_"+k] = pick(denseVersions)
			}
		}
		for _, a := range denseAttrs {
			if r.IntN(6) == 0 {
				attrs[a.key] = pick(a.values)
			}
		}
		if len(attrs) == 0 {
			attrs = nil
		}
		out[i] = noctuary.ContextEvent{ID: fmt.Sprintf("e%d", r.IntN(n)), Service: fmt.Sprintf("svc-%02d", r.IntN(services)),
			Kind: pick(denseKinds), Source: pick(denseSources), OccurredAt: at, Summary: strings.Join(sum, " "), Attributes: attrs}
	}
	return out
}

// denseService pages svc-00, which depends on svc-01 to svc-(deps).
func denseService(deps int) noctuary.Service {
	svc := noctuary.Service{Key: "svc-00", Environment: "production"}
	for d := 1; d <= deps; d++ {
		svc.Dependencies = append(svc.Dependencies, fmt.Sprintf("svc-%02d", d))
	}
	return svc
}

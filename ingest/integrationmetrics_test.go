package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestMetricsForAlerts: the series the alert rules of deployments/prometheus
// need. noctuary_integration_enabled_services counts the enabled, unpaused
// services of the integration's environment (other environments and
// disabled services do not count); noctuary_store_up is 1, then 0 once Redis
// is gone.
func TestMetricsForAlerts(t *testing.T) {
	e, redis := startRedis(t)
	ctx := context.Background()
	for _, svc := range []noctuary.Service{
		{Key: "checkout", Environment: "prod", Enabled: true},
		{Key: "payments", Environment: "prod", Enabled: true},
		{Key: "search", Environment: "prod", Enabled: true, Paused: true},
		{Key: "ledger", Environment: "prod"},
		{Key: "cart", Environment: "staging", Enabled: true},
	} {
		if err := e.store.PutService(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	r := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	for _, want := range []string{
		"noctuary_integration_enabled_services{integration=\"prod\"} 2\n",
		"noctuary_store_up 1\n",
	} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	redis.Stop()
	r = do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	if !strings.Contains(r.raw, "noctuary_store_up 0\n") || strings.Contains(r.raw, "noctuary_integration_enabled_services{") {
		t.Errorf("with Redis down: want noctuary_store_up 0 and no enabled-services series (unknown), got:\n%s", grepLines(r.raw, "noctuary_store_up", "noctuary_integration_enabled_services"))
	}
}

// grepLines returns the lines of s that contain any of words.
func grepLines(s string, words ...string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

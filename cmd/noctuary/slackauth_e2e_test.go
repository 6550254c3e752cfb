package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestSocketModeInvalidAuthLeavesIngestion: Slack refusing the app token
// (invalid_auth on apps.connections.open) neither stops the process nor
// webhook ingestion and notes; /readyz stays 200 and reports Slack down, the
// gauge says 0, and the connection is retried.
func TestSocketModeInvalidAuthLeavesIngestion(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	fake.refuse["apps.connections.open"] = "invalid_auth"
	e := newEnv(t, func(c *config.Config) {
		withSlack(fake)(c)
		c.Slack.AppToken = "xapp-revoked"
	})
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.callsTo("apps.connections.open")) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(fake.callsTo("apps.connections.open")); n < 2 {
		t.Fatalf("apps.connections.open called %d times, want a retry", n)
	}
	select {
	case <-e.main.Done():
		t.Fatal("Main stopped after Socket Mode's invalid_auth")
	default:
	}
	e.sendWebhook(webhook("EV-AUTH", noctuary.EventIncidentTriggered, "QAUTH", "PCHECKOUT", onsetAt()))
	e.waitNotes("QAUTH", 1, 10*time.Second)

	status, out := e.do("GET", "/readyz", nil, nil)
	comps, _ := out["components"].(map[string]any)
	slackStatus, _ := comps["slack"].(map[string]any)
	redisStatus, _ := comps["redis"].(map[string]any)
	if status != http.StatusOK || out["status"] != "degraded" || slackStatus["status"] != "down" || redisStatus["status"] != "ok" ||
		!strings.Contains(slackStatus["error"].(string), "invalid_auth") {
		t.Errorf("readyz = %d %v, want 200 degraded with Slack down (invalid_auth) and Redis ok", status, out)
	}
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `noctuary_component_up{component="slack"} 0`) {
		t.Errorf("metrics lack noctuary_component_up{component=\"slack\"} 0")
	}
}

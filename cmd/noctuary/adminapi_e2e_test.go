package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestIntegrationSetUpThroughTheAdminAPI is the seed's set-up through the
// whole service: an integration added with the admin API, its signing
// secret and PagerDuty key set there, a service created and enabled for
// its environment; a webhook signed with that secret is accepted and the
// note is posted with that key.
func TestIntegrationSetUpThroughTheAdminAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.MasterKey = bytes.Repeat([]byte{9}, 32) })
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json", "X-Noctuary-Actor": "alice@example.com"}
	steps := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/v1/integrations", `{"id":"staging","environment":"staging","from":"noctuary@example.com","api_url":"` + e.pd.URL + `"}`, http.StatusCreated},
		{"PUT", "/api/v1/integrations/staging/webhook-secret", `{"secret":"whsec-staging"}`, http.StatusOK},
		{"PUT", "/api/v1/integrations/staging/token", `{"token":"` + testPDToken + `"}`, http.StatusOK},
		{"POST", "/api/v1/services", `{"key":"search","environment":"staging","pagerduty_service_ids":["PSEARCH"]}`, http.StatusOK},
		{"PUT", "/api/v1/services/search/enabled", `{"enabled":true}`, http.StatusOK},
	}
	for _, st := range steps {
		if status, out := e.do(st.method, st.path, []byte(st.body), admin); status != st.status {
			t.Fatalf("%s %s: %d %v, want %d", st.method, st.path, status, out, st.status)
		}
	}
	body := webhook("ev-search-1", "incident.triggered", "QSEARCH1", "PSEARCH", time.Now().Add(-time.Minute))
	status, out := e.do("POST", "/webhooks/pagerduty/staging", body, map[string]string{
		"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, "whsec-staging")})
	if status != http.StatusAccepted {
		t.Fatalf("webhook of the live integration: %d %v, want 202", status, out)
	}
	notes := e.waitNotes("QSEARCH1", 1, 15*time.Second)
	if notes[0].From != "noctuary@example.com" {
		t.Errorf("note written as %q", notes[0].From)
	}
	if status, _ := e.do("POST", "/webhooks/pagerduty/staging", body, map[string]string{
		"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, testWebhookKey)}); status != http.StatusUnauthorized {
		t.Errorf("webhook signed with another integration's secret: %d, want 401", status)
	}
}

package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestWebhookContract drives every status of docs/architecture.md, "HTTP contract" for the PagerDuty
// webhook endpoint through the running Main.
func TestWebhookContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	created := onsetAt()
	good := webhook("EV-GOOD", noctuary.EventIncidentTriggered, "QCONTRACT", "PPAYMENTS", created)
	ping := []byte(`{"event":{"id":"EV-PING","event_type":"pagey.ping","resource_type":"pagey","occurred_at":"2026-11-23T02:00:00Z","agent":null,"client":null,"data":{"message":"Hello from your friend Pagey!","type":"ping"}}}`)
	other := []byte(`{"event":{"id":"EV-OTHER","event_type":"service.updated","resource_type":"service","occurred_at":"2026-11-23T02:00:00Z","data":{"id":"PSVC","type":"service"}}}`)
	malformed := []byte(`{"event":{"id":`)
	huge := bytes.Repeat([]byte("x"), 1<<20+1)
	tests := []struct {
		name, integration string
		body              []byte
		signature         string
		want              int
	}{
		{"good signature", "default", good, sign(good, testWebhookKey), http.StatusAccepted},
		{"duplicate event", "default", good, sign(good, testWebhookKey), http.StatusAccepted},
		{"rotated: old and new signatures", "default", good, sign(good, "old-secret") + "," + sign(good, testWebhookKey), http.StatusAccepted},
		{"bad signature", "default", good, sign(good, "wrong"), http.StatusUnauthorized},
		{"missing signature", "default", good, "", http.StatusUnauthorized},
		{"malformed JSON", "default", malformed, sign(malformed, testWebhookKey), http.StatusBadRequest},
		{"oversize", "default", huge, sign(huge, testWebhookKey), http.StatusRequestEntityTooLarge},
		{"unknown integration", "nope", good, sign(good, testWebhookKey), http.StatusNotFound},
		{"ping", "default", ping, sign(ping, testWebhookKey), http.StatusAccepted},
		{"event type not used", "default", other, sign(other, testWebhookKey), http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := map[string]string{"Content-Type": "application/json"}
			if tt.signature != "" {
				headers["X-PagerDuty-Signature"] = tt.signature
			}
			status, body := e.do("POST", "/webhooks/pagerduty/"+tt.integration, tt.body, headers)
			if status != tt.want {
				t.Fatalf("status %d %v, want %d", status, body, tt.want)
			}
			if status >= 400 && (body["error"] == "" || body["code"] == "") {
				t.Fatalf("error body %v lacks error and code", body)
			}
		})
	}
	// Only the one kept, distinct event reached the queue (and was then
	// acknowledged by the worker: payments is not enabled, so no note).
	e.waitPendingZero(5 * time.Second)
	if n := len(e.pd.Notes("")); n != 0 {
		t.Fatalf("%d notes for a service that is not enabled", n)
	}
	st, err := e.main.Store.IncidentState(context.Background(), "QCONTRACT")
	if err != nil || st.Incident.ID != "QCONTRACT" {
		t.Fatalf("incident state = %+v, %v", st, err)
	}
}

// TestEventsContract drives the statuses of POST /v1/events through Main.
func TestEventsContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	auth := map[string]string{"Authorization": "Bearer " + testIngestToken, "Content-Type": "application/json"}
	now := time.Now().UTC().Format(time.RFC3339)
	one := `{"id":"c-1","service":"checkout","kind":"deploy","source":"argocd","occurred_at":"` + now + `"}`
	bad := `{"service":"checkout","kind":"deploy","occurred_at":"yesterday"}`
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		want    int
		check   func(t *testing.T, body map[string]any)
	}{
		{"no token", one, map[string]string{}, http.StatusUnauthorized, nil},
		{"wrong token", one, map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized, nil},
		{"one object", one, auth, http.StatusAccepted, wantCounts(1, 0)},
		{"repeat id is a duplicate", one, auth, http.StatusAccepted, wantCounts(0, 1)},
		{"array with one bad item stores nothing", "[" + strings.Replace(one, "c-1", "c-2", 1) + "," + bad + "]", auth, http.StatusBadRequest,
			func(t *testing.T, body map[string]any) {
				details, _ := body["details"].([]any)
				if len(details) != 1 || details[0].(map[string]any)["index"] != float64(1) {
					t.Fatalf("details = %v, want index 1", body["details"])
				}
			}},
		{"the good item of the rejected batch was not stored", strings.Replace(one, "c-1", "c-2", 1), auth, http.StatusAccepted, wantCounts(1, 0)},
		{"malformed JSON", "{", auth, http.StatusBadRequest, nil},
		{"oversize", strings.Repeat(" ", 8<<20+1), auth, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do("POST", "/v1/events", []byte(tt.body), tt.headers)
			if status != tt.want {
				t.Fatalf("status %d %v, want %d", status, body, tt.want)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func wantCounts(accepted, duplicates float64) func(*testing.T, map[string]any) {
	return func(t *testing.T, body map[string]any) {
		t.Helper()
		if body["accepted"] != accepted || body["duplicates"] != duplicates {
			t.Fatalf("answer %v, want accepted %v duplicates %v", body, accepted, duplicates)
		}
	}
}

// TestRedisDown: with Redis stopped, both endpoints answer 503 (PagerDuty
// retries) and readyz fails; nothing is acknowledged.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if status, _ := e.do("GET", "/readyz", nil, nil); status != http.StatusOK {
		t.Fatalf("readyz = %d before the outage", status)
	}
	e.redis.Stop()
	body := webhook("EV-DOWN", noctuary.EventIncidentTriggered, "QDOWN", "PCHECKOUT", onsetAt())
	status, out := e.do("POST", "/webhooks/pagerduty/default", body, map[string]string{"X-PagerDuty-Signature": sign(body, testWebhookKey)})
	if status != http.StatusServiceUnavailable || out["code"] != "unavailable" {
		t.Fatalf("webhook with Redis down: %d %v, want 503 unavailable", status, out)
	}
	events := `{"service":"checkout","kind":"deploy","source":"ci","occurred_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	status, _ = e.do("POST", "/v1/events", []byte(events), map[string]string{"Authorization": "Bearer " + testIngestToken})
	if status != http.StatusServiceUnavailable {
		t.Fatalf("events with Redis down: %d, want 503", status)
	}
	if status, _ := e.do("GET", "/readyz", nil, nil); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz = %d with Redis down, want 503", status)
	}
	if status, _ := e.do("GET", "/healthz", nil, nil); status != http.StatusOK {
		t.Fatalf("healthz = %d, want 200 (the process is alive)", status)
	}
}

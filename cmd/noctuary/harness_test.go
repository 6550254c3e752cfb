package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

const (
	testPDToken     = "pd-test-token"
	testWebhookKey  = "whsec-test"
	testIngestToken = "ingest-test-token"
	testAdminToken  = "admin-test-token"
)

// env is one running Noctuary with its fakes.
type env struct {
	t     testing.TB
	main  *Main
	url   string
	pd    *pdtest.Server
	redis *storetest.Server
	cfg   *config.Config
	// started is when the first Main had started (its store seeded).
	started time.Time
}

// testConfig is a configuration with the integration "default" pointing at
// the fake PagerDuty, an enabled "checkout" (depends on postgres-main) and a
// declared but not enabled "payments".
func testConfig(redisURL, pdURL string) *config.Config {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.RedisURL = redisURL
	cfg.AdminToken = testAdminToken
	cfg.IngestTokens = []config.IngestToken{{Token: testIngestToken}}
	cfg.Integrations = []noctuary.Integration{{
		ID: noctuary.DefaultIntegration, Environment: "default", Direction: noctuary.DirectionBidirectional,
		Token: testPDToken, WebhookSecrets: []noctuary.Secret{testWebhookKey}, From: "noctuary@example.com", APIURL: pdURL,
	}}
	cfg.Services = []noctuary.Service{
		{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PCHECKOUT"}, Enabled: true,
			Mode: noctuary.ModeReadOnly, Dependencies: []string{"postgres-main"}, LLM: true,
			Actions: []noctuary.ActionSpec{{Name: "rollback", Destructive: true, Webhook: "http://127.0.0.1:1/rollback", Secret: "s", Params: []string{"sha"}}}},
		{Key: "payments", Environment: "default", PagerDutyServiceIDs: []string{"PPAYMENTS"}, Mode: noctuary.ModeReadOnly, LLM: true},
	}
	cfg.ClaimIdle = 500 * time.Millisecond
	cfg.ShutdownGrace = 200 * time.Millisecond
	return cfg
}

// newEnv starts Noctuary on a real redis-server with a fake PagerDuty.
func newEnv(t testing.TB, change func(*config.Config)) *env {
	t.Helper()
	return newEnvWith(t, pdtest.New(t, testPDToken), change)
}

// newEnvWith is newEnv with the fake PagerDuty pd, set up by the caller.
func newEnvWith(t testing.TB, pd *pdtest.Server, change func(*config.Config)) *env {
	t.Helper()
	e := &env{t: t, pd: pd, redis: storetest.StartRedis(t)}
	e.cfg = testConfig(e.redis.URL, e.pd.URL)
	if change != nil {
		change(e.cfg)
	}
	e.main = e.start(e.cfg)
	e.url, e.started = "http://"+e.main.Addr, time.Now()
	return e
}

// start runs one more Main on cfg (a second replica, or a restart).
func (e *env) start(cfg *config.Config) *Main {
	e.t.Helper()
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(context.Background()); err != nil {
		e.t.Fatalf("Main.Run: %v", err)
	}
	e.t.Cleanup(func() { _ = m.Close() })
	waitReported(e.t, m)
	return m
}

// waitReported waits for m's start-up credential checks, so that they take
// none of the failures a test asks of the fake PagerDuty.
func waitReported(t testing.TB, m *Main) {
	t.Helper()
	select {
	case <-m.reported:
	case <-time.After(30 * time.Second):
		t.Fatal("the start-up credential checks did not finish within 30s")
	}
}

// do sends a request and returns the status and the decoded JSON body.
func (e *env) do(method, path string, body []byte, headers map[string]string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// sign is pdtest.Sign: the X-PagerDuty-Signature of body.
func sign(body []byte, secret string) string { return pdtest.Sign(body, secret) }

// webhook builds a V3 incident webhook body (pdtest.IncidentWebhook).
func webhook(eventID, eventType, incidentID, pdService string, created time.Time) []byte {
	return pdtest.IncidentWebhook(eventID, eventType, incidentID, pdService, created)
}

// sendWebhook posts a correctly signed webhook and expects 202.
func (e *env) sendWebhook(body []byte) {
	e.t.Helper()
	status, out := e.do("POST", "/webhooks/pagerduty/default", body, map[string]string{
		"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, testWebhookKey)})
	if status != http.StatusAccepted {
		e.t.Fatalf("webhook answered %d %v, want 202", status, out)
	}
}

// sendEvents posts ContextEvents and expects 202.
func (e *env) sendEvents(events ...noctuary.ContextEvent) {
	e.t.Helper()
	body, _ := json.Marshal(events)
	status, out := e.do("POST", "/v1/events", body, map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + testIngestToken})
	if status != http.StatusAccepted {
		e.t.Fatalf("events answered %d %v, want 202", status, out)
	}
}

// waitNotes waits until the fake PagerDuty holds n notes for the incident.
func (e *env) waitNotes(incidentID string, n int, within time.Duration) []pdtest.Note {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		notes := e.pd.Notes(incidentID)
		if len(notes) >= n || time.Now().After(deadline) {
			if len(notes) < n {
				e.t.Fatalf("incident %s has %d notes after %s, want %d", incidentID, len(notes), within, n)
			}
			return notes
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPendingZero waits until every webhook is acknowledged.
func (e *env) waitPendingZero(within time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		lens, err := e.main.Store.StreamLengths(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if lens["webhooks_pending"] == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("webhook entries still pending after %s: %v", within, lens)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// seedEvents is the scenario of the example note (docs/architecture.md, "The note"), onset at `at`.
func seedEvents(at time.Time, prefix string) []noctuary.ContextEvent {
	return []noctuary.ContextEvent{
		{ID: prefix + "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at.Add(-4*time.Minute - 9*time.Second),
			Summary: "checkout rolled out sha=a4f2c1", Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"},
			Link: "https://argocd.example/applications/checkout"},
		{ID: prefix + "pg-1", Service: "postgres-main", Kind: "deadlock", Source: "postgres", OccurredAt: at.Add(-17 * time.Second),
			Summary: "deadlock detected on table orders"},
		{ID: prefix + "k8s-1", Service: "checkout", Kind: "OOMKilled", Source: "kubernetes", OccurredAt: at.Add(-9 * time.Second),
			Summary: "checkout-7f9c OOMKilled"},
	}
}

// onsetAt is a recent onset with whole seconds, so times print predictably.
func onsetAt() time.Time {
	return time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
}

func hhmmss(t time.Time) string { return t.UTC().Format("15:04:05") }

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// reviewFile declares checkout (enabled, read-only, approvers), payments
// (declared, not enabled) and search (enabled, action mode, no approvers)
// in the environment of the integration "default", and an integration
// "staging" whose key PagerDuty refuses.
const reviewFile = `integrations:
  - {id: default, environment: default, pagerduty_token: pd-test-token, webhook_secret: whsec-test, from: noctuary@example.com, api_url: "%[1]s"}
  - {id: staging, environment: staging, pagerduty_token: revoked-key, webhook_secret: whsec-staging, from: noctuary@example.com, api_url: "%[1]s"}
services:
  - {key: checkout, pagerduty_service_ids: [PCHECKOUT], enabled: true, approvers: [U0ALICE]}
  - {key: payments, pagerduty_service_ids: [PPAYMENTS]}
  - {key: search, pagerduty_service_ids: [PSEARCH], enabled: true, mode: action}
`

// TestReviewNamesEveryDrift: through the real Main (a real redis-server, a
// fake PagerDuty), the rollout review names a drift seeded in each of its
// categories: a live setting changed against the file, an enabled service
// without a webhook subscription and one whose subscription is disabled, a
// key PagerDuty refuses and one due for rotation, a service that pages but
// is not enabled, and a service in action mode without approvers. The
// admin API serves it as Markdown and JSON, and `noctuary review` prints it.
func TestReviewNamesEveryDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := pdtest.New(t, testPDToken)
	rs := storetest.StartRedis(t)
	path := filepath.Join(t.TempDir(), "noctuary.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(reviewFile, fake.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"NOCTUARY_CONFIG": path, "NOCTUARY_REDIS_URL": rs.URL, "NOCTUARY_ADMIN_TOKEN": testAdminToken,
		"NOCTUARY_ADDR": "127.0.0.1:0", "NOCTUARY_PUBLIC_URL": "https://noctuary.example"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cfg, err := config.Load(lookup)
	if err != nil {
		t.Fatal(err)
	}
	// The key of "default" was first seen 100 days ago: due for rotation.
	rdb := redis.NewClient(&redis.Options{Addr: strings.TrimPrefix(rs.URL, "redis://")})
	defer rdb.Close()
	old := time.Now().Add(-100 * 24 * time.Hour).UnixMilli()
	if err := rdb.HSet(ctx, "noctuary:v1:apikey:default", "first_seen", strconv.FormatInt(old, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	fake.SetSubscriptions(pdtest.Subscription{ID: "PSUBSEARCH", URL: "https://noctuary.example/webhooks/pagerduty/default",
		FilterType: "service_reference", FilterID: "PSEARCH"}) // disabled; checkout has none
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	e := &env{t: t, main: m, url: "http://" + m.Addr, pd: fake, redis: rs, cfg: cfg}

	// Live, checkout goes to action mode: the file says read-only.
	if status, out := e.do("PUT", "/api/v1/services/checkout/mode", []byte(`{"mode":"action"}`), map[string]string{
		"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json"}); status != http.StatusOK {
		t.Fatalf("PUT mode: %d %v", status, out)
	}
	// payments pages while not enabled; checkout pages and is acknowledged
	// four minutes later.
	created := onsetAt()
	e.sendWebhook(webhook("01REVIEWPAY", noctuary.EventIncidentTriggered, "QREVIEWPAY", "PPAYMENTS", created))
	e.sendWebhook(webhook("01REVIEWCHK", noctuary.EventIncidentTriggered, "QREVIEWCHK", "PCHECKOUT", created))
	e.sendWebhook(acknowledgedAfter(t, webhook("01REVIEWACK", noctuary.EventIncidentAcknowledged, "QREVIEWCHK", "PCHECKOUT", created), 4*time.Minute))
	e.waitNotes("QREVIEWCHK", 1, 10*time.Second)
	e.waitPendingZero(10 * time.Second)

	wants := []string{
		"**settings** checkout mode: the file says read-only, live is action (live wins at start-up)",
		"**subscription** checkout is enabled but no webhook subscription of integration default delivers PagerDuty service PCHECKOUT",
		"**subscription** search is enabled but webhook subscription PSUBSEARCH (PagerDuty service PSEARCH) is disabled in PagerDuty",
		"**key** the PagerDuty credential of integration staging (environment staging) does not work: PagerDuty rejected the API key",
		"**key** the PagerDuty key of integration default (environment default) is 100 days old, due for rotation since",
		"**paging_not_enabled** payments paged once while not enabled",
		"**no_approvers** search is in action mode with no approvers",
		"incidents: 1 paged, 1 triaged",
		"time to acknowledge: none before enabling, median 4m0s of 1 after",
	}
	req, _ := http.NewRequest("GET", e.url+"/api/v1/review", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/review: %d %s", resp.StatusCode, md)
	}
	mustContain(t, string(md), wants...)

	var stdout, stderr bytes.Buffer
	if code := reviewCommand(ctx, []string{"--format", "markdown"}, lookup, &stdout, &stderr); code != 0 {
		t.Fatalf("noctuary review exited %d: %s", code, stderr.String())
	}
	mustContain(t, stdout.String(), wants...)
	stdout.Reset()
	if code := reviewCommand(ctx, []string{"--format=json"}, lookup, &stdout, &stderr); code != 0 {
		t.Fatalf("noctuary review --format=json exited %d: %s", code, stderr.String())
	}
	var r noctuary.Review
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("noctuary review --format=json: %v\n%s", err, stdout.String())
	}
	categories := map[string]bool{}
	for _, f := range r.Findings {
		categories[f.Category] = true
	}
	for _, c := range []string{noctuary.FindingSettings, noctuary.FindingSubscription, noctuary.FindingKey, noctuary.FindingPaging, noctuary.FindingApprovers} {
		if !categories[c] {
			t.Errorf("the JSON review has no %s finding: %+v", c, r.Findings)
		}
	}
	if code := reviewCommand(ctx, []string{"--format", "yaml"}, lookup, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), `--format "yaml" is not a format; use markdown or json`) {
		t.Errorf("--format yaml: exit %d, stderr %q", code, stderr.String())
	}
}

// acknowledgedAfter returns the webhook body with its occurred_at moved d
// after the incident's creation.
func acknowledgedAfter(t *testing.T, body []byte, d time.Duration) []byte {
	t.Helper()
	var v map[string]map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, v["event"]["occurred_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	v["event"]["occurred_at"] = at.Add(d).Format(time.RFC3339)
	out, _ := json.Marshal(v)
	return out
}

// TestDriftAtStartUp: through the real Main, a mode changed live is logged
// as drift at the next start-up; with settings_source: file the file's mode
// is restored and audited as config:file, and the review shows no drift.
func TestDriftAtStartUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Services[0].SettingsSource = noctuary.SettingsFile })
	if status, out := e.do("PUT", "/api/v1/services/checkout/mode", []byte(`{"mode":"action"}`), map[string]string{
		"Authorization": "Bearer " + testAdminToken, "Content-Type": "application/json"}); status != http.StatusOK {
		t.Fatalf("PUT mode: %d %v", status, out)
	}
	var logs logtest.Buffer
	m := NewMain(e.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	mustContain(t, logs.String(), `msg="configuration drift: the file and the live settings differ" service=checkout field=mode file=read-only live=action wins=file`)
	svc, err := m.Store.Service(context.Background(), "checkout")
	if err != nil || svc.Mode != noctuary.ModeReadOnly {
		t.Fatalf("checkout after the restart: %+v, %v; want read-only again", svc, err)
	}
	entries, err := m.Store.AuditSearch(context.Background(), noctuary.AuditQuery{Actor: noctuary.ActorConfigFile, Service: "checkout"})
	if err != nil || len(entries) != 1 || entries[0].Action != "service.mode" {
		t.Fatalf("config:file audit entries: %+v, %v", entries, err)
	}
	status, out := e.do("GET", "/api/v1/review", nil, map[string]string{"Authorization": "Bearer " + testAdminToken, "Accept": "application/json"})
	if drift, ok := out["settings_drift"].([]any); status != http.StatusOK || !ok || len(drift) != 0 {
		t.Errorf("review after the restart: %d, settings drift %v; want none", status, out["settings_drift"])
	}
}

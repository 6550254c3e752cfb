package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// demoService is the service the demo scenario is about.
const demoService = "checkout"

// demo posts the seed scenario (deploy, deadlock, OOMKill, then a signed
// incident.triggered) to the running server at NOCTUARY_PUBLIC_URL and prints
// the note once the triage worker has written it.
func demo(ctx context.Context, cfg *config.Config, out io.Writer) error {
	d, err := newDemo(cfg)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	incidentID := fmt.Sprintf("QDEMO%d", now.Unix())
	if err := d.post(ctx, "/v1/events", d.ingestToken, "application/x-ndjson", demoEvents(now), nil); err != nil {
		return fmt.Errorf("posting the demo ContextEvents: %w", err)
	}
	fmt.Fprintf(out, "posted 3 ContextEvents for %s (deploy, deadlock, OOMKill)\n", demoService)
	body := demoWebhook(incidentID, d.pdServiceID, now)
	sig := hmac.New(sha256.New, []byte(d.webhookSecret.Reveal()))
	sig.Write(body)
	headers := map[string]string{"X-PagerDuty-Signature": "v1=" + hex.EncodeToString(sig.Sum(nil))}
	if err := d.post(ctx, "/webhooks/pagerduty/"+noctuary.DefaultIntegration, "", "application/json", body, headers); err != nil {
		return fmt.Errorf("posting the signed incident.triggered webhook: %w", err)
	}
	fmt.Fprintf(out, "posted a signed incident.triggered for incident %s\n\n", incidentID)
	note, err := d.waitForNote(ctx, incidentID)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, note)
	fmt.Fprintf(out, "\nOn the dashboard (sign in with NOCTUARY_ADMIN_TOKEN): %s/dashboard/incidents/%s\n", d.base, incidentID)
	return nil
}

type demoClient struct {
	base          string
	ingestToken   noctuary.Secret
	adminToken    noctuary.Secret
	webhookSecret noctuary.Secret
	pdServiceID   string
	http          *http.Client
}

func newDemo(cfg *config.Config) (*demoClient, error) {
	d := &demoClient{base: strings.TrimRight(cfg.PublicURL, "/"), adminToken: cfg.AdminToken, http: &http.Client{Timeout: 10 * time.Second}}
	for _, t := range cfg.IngestTokens {
		if len(t.Services) == 0 {
			d.ingestToken = t.Token
			break
		}
	}
	for _, i := range cfg.Integrations {
		if i.ID == noctuary.DefaultIntegration && len(i.WebhookSecrets) > 0 {
			d.webhookSecret = i.WebhookSecrets[0]
		}
	}
	for _, s := range cfg.Services {
		if s.Key == demoService && len(s.PagerDutyServiceIDs) > 0 {
			d.pdServiceID = s.PagerDutyServiceIDs[0]
		}
	}
	var missing []string
	if d.ingestToken.IsZero() {
		missing = append(missing, "an ingest token valid for every service (NOCTUARY_INGEST_TOKENS)")
	}
	if d.webhookSecret.IsZero() {
		missing = append(missing, "the default integration's webhook secret (NOCTUARY_PAGERDUTY_WEBHOOK_SECRET)")
	}
	if d.adminToken.IsZero() {
		missing = append(missing, "an admin token (NOCTUARY_ADMIN_TOKEN)")
	}
	if d.pdServiceID == "" {
		missing = append(missing, "a service \"checkout\" with a PagerDuty service ID in NOCTUARY_CONFIG")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the demo needs %s; run it with `make demo` next to `make run`", strings.Join(missing, ", "))
	}
	return d, nil
}

func demoEvents(now time.Time) []byte {
	events := []noctuary.ContextEvent{
		{ID: fmt.Sprintf("demo-deploy-%d", now.Unix()), Service: demoService, Kind: "deploy", Source: "argocd",
			OccurredAt: now.Add(-4*time.Minute - 9*time.Second), Summary: "checkout rolled out sha=a4f2c1",
			Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}, Link: "https://argocd.example/applications/checkout"},
		{ID: fmt.Sprintf("demo-deadlock-%d", now.Unix()), Service: "postgres-main", Kind: "deadlock", Source: "postgres",
			OccurredAt: now.Add(-17 * time.Second), Summary: "deadlock detected on table orders (checkout writer)"},
		{ID: fmt.Sprintf("demo-oom-%d", now.Unix()), Service: demoService, Kind: "OOMKilled", Source: "kubernetes",
			OccurredAt: now.Add(-9 * time.Second), Summary: "checkout-7f9c pod OOMKilled (limit 512Mi)"},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range events {
		_ = enc.Encode(e)
	}
	return buf.Bytes()
}

func demoWebhook(incidentID, pdServiceID string, now time.Time) []byte {
	body, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": "01DEMO" + incidentID, "event_type": "incident.triggered", "resource_type": "incident",
		"occurred_at": now.Format(time.RFC3339), "agent": nil, "client": nil,
		"data": map[string]any{
			"id": incidentID, "type": "incident", "number": now.Unix() % 10000, "status": "triggered",
			"title": "checkout: 5xx error rate above 5%", "created_at": now.Format(time.RFC3339), "urgency": "high",
			"html_url": "https://example.pagerduty.com/incidents/" + incidentID,
			"service":  map[string]any{"id": pdServiceID, "type": "service_reference", "summary": "Checkout"},
		},
	}})
	return body
}

func (d *demoClient) post(ctx context.Context, path string, token noctuary.Secret, contentType string, body []byte, headers map[string]string) error {
	status, answer, err := post(ctx, d.http, d.base+path, token, contentType, body, headers)
	if err != nil {
		return fmt.Errorf("is `make run` running at %s? %w", d.base, err)
	}
	if status != http.StatusAccepted {
		return fmt.Errorf("%s answered %d: %s", path, status, strings.TrimSpace(string(answer)))
	}
	return nil
}

// waitForNote polls the admin API until the incident's triage has a note.
func (d *demoClient) waitForNote(ctx context.Context, incidentID string) (string, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		note, err := d.note(ctx, incidentID)
		if err != nil {
			return "", err
		}
		if note != "" {
			return note, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return "", errors.New("no note after 20s; see the server's log")
}

func (d *demoClient) note(ctx context.Context, incidentID string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/api/v1/incidents/"+incidentID, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+d.adminToken.Reveal())
	resp, err := d.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", nil
	default:
		return "", refusal(resp, "GET /api/v1/incidents/"+incidentID)
	}
	var body struct {
		Triage *noctuary.Triage `json:"triage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("decoding GET /api/v1/incidents/%s: %w", incidentID, err)
	}
	if body.Triage == nil {
		return "", nil
	}
	return body.Triage.Note, nil
}

// refusal says that the admin API answered what with an unexpected status,
// with the server's sentence; a refused token names the setting to check.
func refusal(resp *http.Response, what string) error {
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var body struct {
		Error string `json:"error"`
	}
	msg := strings.TrimSpace(string(answer))
	if json.Unmarshal(answer, &body) == nil && body.Error != "" {
		msg = body.Error
	}
	err := fmt.Errorf("%s answered %d: %s", what, resp.StatusCode, msg)
	if resp.StatusCode == http.StatusUnauthorized {
		err = fmt.Errorf("%w Is NOCTUARY_ADMIN_TOKEN the running server's?", err)
	}
	return err
}

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestDryRunKeepsNote: without a PagerDuty key nothing is posted, and the note
// is readable from the admin API.
func TestDryRunKeepsNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Integrations[0].Token = "" })
	at := onsetAt()
	e.sendEvents(seedEvents(at, "dry-")...)
	e.sendWebhook(webhook("EV-DRY", noctuary.EventIncidentTriggered, "QDRY", "PCHECKOUT", at))
	e.waitPendingZero(5 * time.Second)
	status, body := e.do("GET", "/api/v1/incidents/QDRY", nil, map[string]string{"Authorization": "Bearer " + testAdminToken})
	if status != http.StatusOK {
		t.Fatalf("admin API: %d %v", status, body)
	}
	triage, _ := body["triage"].(map[string]any)
	note, _ := triage["note"].(string)
	mustContain(t, note, "Noctuary Context", "Deploy sha=a4f2c1")
	if e.pd.Requests() != 0 {
		t.Fatalf("dry run sent %d requests to PagerDuty", e.pd.Requests())
	}
}

// TestDemoCommand: `noctuary demo` against a running server prints the note.
func TestDemoCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.cfg.PublicURL = e.url
	var out bytes.Buffer
	if err := demo(context.Background(), e.cfg, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	mustContain(t, out.String(), "Noctuary Context", "Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset", "Rollback to sha=f8b3e22",
		"On the dashboard (sign in with NOCTUARY_ADMIN_TOKEN): "+e.url+"/dashboard/incidents/QDEMO")
}

// TestDemoCommandAdminTokenRefused: a demo whose admin token the server
// refuses says so, with the server's sentence, instead of polling for the
// note until its deadline and blaming the server's log.
func TestDemoCommandAdminTokenRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cfg := *e.cfg
	cfg.PublicURL, cfg.AdminToken = e.url, "not-the-admin-token"
	var out bytes.Buffer
	err := demo(context.Background(), &cfg, &out)
	if err == nil {
		t.Fatalf("demo with a refused admin token succeeded:\n%s", out.String())
	}
	mustContain(t, err.Error(), "401", "The bearer token is not valid.", "NOCTUARY_ADMIN_TOKEN")
	if strings.Contains(err.Error(), "no note after") {
		t.Errorf("the refusal is reported as a missing note: %v", err)
	}
}

// TestConfigValidateCommand: exit 0 and a summary for a valid configuration;
// exit 2 with one line per problem otherwise.
func TestConfigValidateCommand(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		code int
		want []string
	}{
		{"valid", map[string]string{"NOCTUARY_CONFIG": "../../examples/noctuary.yaml", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "w", "DEMO_ACTION_SECRET": "a"},
			0, []string{"configuration is valid: 1 integration(s), 2 service(s)"}},
		{"invalid", map[string]string{"NOCTUARY_LLM_TIMEOUT": "ten", "NOCTUARY_TRIAGE_CONCURRENCY": "0"},
			exitInvalidConfig, []string{"NOCTUARY_LLM_TIMEOUT", "NOCTUARY_TRIAGE_CONCURRENCY"}},
		{"unset variable in the file", map[string]string{"NOCTUARY_CONFIG": "../../examples/noctuary.yaml", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "w"},
			exitInvalidConfig, []string{"DEMO_ACTION_SECRET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"config", "validate"}, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			mustContain(t, stdout.String()+stderr.String(), tt.want...)
			if tt.code != 0 && strings.Count(stderr.String(), "\n  - ") < len(tt.want)-1 {
				t.Errorf("want one line per problem:\n%s", stderr.String())
			}
		})
	}
}

// TestLiveDisableSurvivesRestart: a service disabled live (Slack, admin API)
// stays disabled when Noctuary restarts with a file that enables it.
func TestLiveDisableSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.main.Store.UpdateService(ctx, "checkout", func(s *noctuary.Service) error {
		s.Enabled = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.main.Close(); err != nil {
		t.Fatal(err)
	}
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr
	svc, err := e.main.Store.Service(ctx, "checkout")
	if err != nil || svc.Enabled {
		t.Fatalf("after the restart checkout is %+v (%v); the live disable must be kept", svc, err)
	}
	if len(svc.Dependencies) != 1 || svc.Dependencies[0] != "postgres-main" {
		t.Errorf("settings only the file declares are refreshed from it: dependencies = %v", svc.Dependencies)
	}
	e.sendWebhook(webhook("EV-OFF", noctuary.EventIncidentTriggered, "QOFF", "PCHECKOUT", onsetAt()))
	e.waitPendingZero(5 * time.Second)
	if n := len(e.pd.Notes("QOFF")); n != 0 {
		t.Fatalf("%d notes for a disabled service", n)
	}
}

// TestShutdownFinishesInFlightRequests: Close waits for a request whose body
// is still arriving, and that request is answered (and stored).
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	body, w := io.Pipe()
	req, err := http.NewRequest("POST", e.url+"/v1/events", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testIngestToken)
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	event := `{"id":"inflight-1","service":"checkout","kind":"deploy","source":"ci","occurred_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	_, _ = w.Write([]byte(event[:20]))
	time.Sleep(100 * time.Millisecond) // the request is in flight
	closed := make(chan error, 1)
	go func() { closed <- e.main.Close() }()
	time.Sleep(100 * time.Millisecond) // shutdown has begun and waits
	select {
	case <-closed:
		t.Fatal("Close returned while a request was in flight")
	default:
	}
	_, _ = w.Write([]byte(event[20:]))
	_ = w.Close()
	if status := <-answered; status != http.StatusAccepted {
		t.Fatalf("in-flight request answered %d, want 202", status)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
}

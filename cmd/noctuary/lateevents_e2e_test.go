package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestLateEventCited: Noctuary was unreachable for two hours; when it comes
// back, the sources deliver the events they buffered and PagerDuty its
// webhook. The deploy that occurred before onset, delivered two hours late,
// is cited in the note.
func TestLateEventCited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	at := onsetAt().Add(-2 * time.Hour)
	e.sendEvents(seedEvents(at, "late-")...)
	e.sendWebhook(webhook("EV-LATE", noctuary.EventIncidentTriggered, "QLATE", "PCHECKOUT", at))
	note := e.waitNotes("QLATE", 1, 10*time.Second)[0].Content
	mustContain(t, note,
		"Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset",
		"Recent signals: deploy (argocd, "+hhmmss(at.Add(-4*time.Minute-9*time.Second))+")",
	)
}

// TestEventBeyondRetentionRefused: an event older than the retention is
// answered 400 with a sentence at its index, not 202 and ignored.
func TestEventBeyondRetentionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.EventRetention = 3 * time.Hour })
	old := seedEvents(time.Now().Add(-3*time.Hour-time.Minute), "old-")
	body, _ := json.Marshal(old)
	status, out := e.do("POST", "/v1/events", body, map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + testIngestToken})
	if status != http.StatusBadRequest || out["code"] != "invalid" {
		t.Fatalf("events older than the retention answered %d %v, want 400 invalid", status, out)
	}
	details, _ := out["details"].([]any)
	if len(details) != 3 {
		t.Fatalf("details = %v, want each of the 3 events listed", out["details"])
	}
}

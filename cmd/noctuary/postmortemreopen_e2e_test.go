package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestPostmortemOfReopenedIncident: an incident acknowledged, resolved,
// reopened (triaged again) and resolved again gets a draft whose timeline
// has its whole course: the first acknowledgement and resolution, the
// reopen and the last resolution; the summary says it was reopened.
func TestPostmortemOfReopenedIncident(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const id = "QREOPENPM"
	t0 := time.Now().UTC().Truncate(time.Second).Add(-30 * time.Minute)
	acked, firstResolved, reopened, resolved := t0.Add(time.Minute), t0.Add(5*time.Minute), t0.Add(10*time.Minute), t0.Add(20*time.Minute)
	e.sendWebhook(webhook("EV-RPM-TRIGGER", noctuary.EventIncidentTriggered, id, "PCHECKOUT", t0))
	e.waitNotes(id, 1, 15*time.Second)
	e.sendWebhook(lifecycleWebhook("EV-RPM-ACK", noctuary.EventIncidentAcknowledged, id, "acknowledged", "Alice Example", t0, acked))
	e.sendWebhook(lifecycleWebhook("EV-RPM-RESOLVE-1", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", t0, firstResolved))
	waitFor(t, 15*time.Second, "the first draft's note", func() bool { return len(postmortemNotes(e.pd, id)) == 1 })
	e.sendWebhook(withData(t, lifecycleWebhook("EV-RPM-REOPEN", noctuary.EventIncidentReopened, id, "triggered", "Bob Example", t0, reopened),
		"reopened_at", reopened.Format(time.RFC3339)))
	e.waitNotes(id, 3, 15*time.Second) // the triage's, the first draft's, the second triage's
	e.sendWebhook(lifecycleWebhook("EV-RPM-RESOLVE-2", noctuary.EventIncidentResolved, id, "resolved", "Bob Example", t0, resolved))
	waitFor(t, 15*time.Second, "the second draft's note", func() bool { return len(postmortemNotes(e.pd, id)) == 2 })
	e.waitPendingZero(10 * time.Second)

	md := e.getText("/api/v1/incidents/"+id+"/postmortem", map[string]string{"Authorization": "Bearer " + testAdminToken})
	mustContain(t, md,
		"reopened at "+hhmmss(reopened),
		"- "+hhmmss(t0)+" — Incident \\#4242 triggered (high urgency)",
		"- "+hhmmss(acked)+" — Acknowledged in PagerDuty — Alice Example",
		"- "+hhmmss(firstResolved)+" — Incident resolved",
		"- "+hhmmss(reopened)+" — Incident reopened — Bob Example",
		"- "+hhmmss(resolved)+" — Incident resolved")
	if strings.Index(md, "— Incident reopened") > strings.Index(md, "- "+hhmmss(resolved)+" — Incident resolved") {
		t.Errorf("the reopen comes after the last resolution:\n%s", md)
	}
}

// withData sets data.<key> of a webhook, as PagerDuty's later events carry
// it (reopened_at, resolve_reason).
func withData(t *testing.T, body []byte, key string, value any) []byte {
	t.Helper()
	var w map[string]map[string]any
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatal(err)
	}
	w["event"]["data"].(map[string]any)[key] = value
	out, _ := json.Marshal(w)
	return out
}

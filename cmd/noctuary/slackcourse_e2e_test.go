package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// annotatedWebhook is the incident.annotated PagerDuty sends back for a
// note posted on the incident.
func annotatedWebhook(eventID, incidentID, noteID, content string, occurred time.Time) []byte {
	body, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": eventID, "event_type": noctuary.EventIncidentAnnotated, "resource_type": "incident",
		"occurred_at": occurred.Format(time.RFC3339), "agent": map[string]any{"id": "PNOCTUARY", "type": "user_reference", "summary": "Noctuary"},
		"data": map[string]any{"type": "incident_note", "id": noteID, "content": content, "trimmed": false,
			"incident": map[string]any{"id": incidentID, "type": "incident_reference",
				"html_url": "https://example.pagerduty.com/incidents/" + incidentID}},
	}})
	return body
}

// statusLines are the thread's replies about the incident's course (not
// its postmortem).
func (f *fakeSlack) statusLines() []string {
	var out []string
	for _, c := range f.posts() {
		text := c.Form.Get("text")
		if c.Form.Get("thread_ts") != "" && (strings.HasPrefix(text, "Acknowledged") || strings.HasPrefix(text, "Resolved") ||
			strings.HasPrefix(text, "Reopened") || strings.HasPrefix(text, "Merged")) {
			out = append(out, text)
		}
	}
	return out
}

// TestSlackFollowsTheIncidentsCourse (real server, redis-server, pdtest,
// fake Slack): the incident.annotated that PagerDuty sends back for
// Noctuary's note makes no Slack call; the acknowledgement and the
// resolution update the message and say so in the thread; after a reopen
// the thread says it was reopened, then acknowledged again, then where the
// incident was merged.
func TestSlackFollowsTheIncidentsCourse(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	const id = "QCOURSE"
	t0 := time.Now().UTC().Truncate(time.Second).Add(-30 * time.Minute)
	e.sendEvents(seedEvents(t0, "course-")...)
	e.sendWebhook(webhook("EV-COURSE-TRIGGER", noctuary.EventIncidentTriggered, id, "PCHECKOUT", t0))
	notes := e.waitNotes(id, 1, 15*time.Second)
	fake.waitPosts(t, 1, 10*time.Second)
	e.waitPendingZero(10 * time.Second)

	calls := len(fake.allCalls())
	e.sendWebhook(annotatedWebhook("EV-COURSE-NOTE", id, "PNOTE1", notes[0].Content, t0.Add(10*time.Second)))
	e.waitPendingZero(10 * time.Second)
	// The acknowledgement's job runs after any job the note would have queued.
	e.sendWebhook(lifecycleWebhook("EV-COURSE-ACK", noctuary.EventIncidentAcknowledged, id, "acknowledged", "Alice Example", t0, t0.Add(time.Minute)))
	waitFor(t, 15*time.Second, "the acknowledgement in the thread", func() bool { return len(fake.statusLines()) == 1 })
	e.sendWebhook(lifecycleWebhook("EV-COURSE-RESOLVE", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", t0, t0.Add(5*time.Minute)))
	waitFor(t, 15*time.Second, "the resolution in the thread", func() bool { return len(fake.statusLines()) == 2 })
	if n := len(fake.callsTo("chat.update")) - countMethod(fake.allCalls()[:calls], "chat.update"); n != 2 {
		t.Errorf("%d chat.update calls after the note's webhook, want 2 (the acknowledgement, the resolution)", n)
	}

	reopened := t0.Add(10 * time.Minute)
	e.sendWebhook(withData(t, lifecycleWebhook("EV-COURSE-REOPEN", noctuary.EventIncidentReopened, id, "triggered", "Bob Example", t0, reopened),
		"reopened_at", reopened.Format(time.RFC3339)))
	waitFor(t, 15*time.Second, "the reopen in the thread", func() bool { return len(fake.statusLines()) == 3 })
	e.sendWebhook(lifecycleWebhook("EV-COURSE-ACK-2", noctuary.EventIncidentAcknowledged, id, "acknowledged", "Bob Example", t0, reopened.Add(2*time.Minute)))
	waitFor(t, 15*time.Second, "the second acknowledgement in the thread", func() bool { return len(fake.statusLines()) == 4 })
	e.sendWebhook(withData(t, lifecycleWebhook("EV-COURSE-MERGE", noctuary.EventIncidentResolved, id, "resolved", "Bob Example", t0, reopened.Add(3*time.Minute)),
		"resolve_reason", map[string]any{"type": "merge_resolve_reason", "incident": map[string]any{
			"id": "QTARGET", "type": "incident_reference", "summary": "[#4243] checkout: 5xx", "html_url": "https://example.pagerduty.com/incidents/QTARGET"}}))
	waitFor(t, 15*time.Second, "the merge in the thread", func() bool { return len(fake.statusLines()) == 5 })
	e.waitPendingZero(10 * time.Second)

	want := []string{"Acknowledged by Alice Example, 1m0s after trigger.", "Resolved.", "Reopened by Bob Example.",
		"Acknowledged by Bob Example, 2m0s after reopen.", "Merged into <https://example.pagerduty.com/incidents/QTARGET|[#4243] checkout: 5xx>."}
	if got := fake.statusLines(); !slices.Equal(got, want) {
		t.Errorf("thread =\n%q\nwant\n%q", got, want)
	}
}

// countMethod counts the calls of method.
func countMethod(calls []slackCall, method string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

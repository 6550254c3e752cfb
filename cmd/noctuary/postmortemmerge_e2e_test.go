package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestMergedIncidentGetsNoPostmortem: an incident PagerDuty resolves by
// merging it into another (its alerts go on there) gets no postmortem
// draft of its own: no PagerDuty note, no draft served; its state says
// where it went.
func TestMergedIncidentGetsNoPostmortem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const id = "QMERGED"
	t0 := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Minute)
	e.sendWebhook(webhook("EV-MERGE-TRIGGER", noctuary.EventIncidentTriggered, id, "PCHECKOUT", t0))
	e.waitNotes(id, 1, 15*time.Second)
	e.sendWebhook(withData(t, lifecycleWebhook("EV-MERGE-RESOLVE", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", t0, t0.Add(2*time.Minute)),
		"resolve_reason", map[string]any{"type": "merge_resolve_reason", "incident": map[string]any{
			"id": "QTARGET", "type": "incident_reference", "summary": "[#4243] checkout: 5xx", "html_url": "https://example.pagerduty.com/incidents/QTARGET"}}))
	e.waitPendingZero(10 * time.Second)

	if n := len(postmortemNotes(e.pd, id)); n != 0 {
		t.Errorf("%d postmortem notes on the merged incident, want 0", n)
	}
	status, body := e.do("GET", "/api/v1/incidents/"+id+"/postmortem", nil, map[string]string{"Authorization": "Bearer " + testAdminToken})
	if status != http.StatusNotFound {
		t.Errorf("the merged incident's postmortem answered %d %v, want 404", status, body)
	}
	var got struct {
		State noctuary.IncidentState `json:"incident_state"`
	}
	e.getJSON("/api/v1/incidents/"+id, &got)
	if got.State.Incident.MergedInto.ID != "QTARGET" || got.State.Incident.Status != "resolved" {
		t.Errorf("state = %+v, want resolved and merged into QTARGET", got.State.Incident)
	}
}

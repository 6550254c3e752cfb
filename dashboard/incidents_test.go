package dashboard_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// triaged stores incident QOLD, then QNEW; QOLD triaged with a deploy and
// a deadlock, an approved rollback that ran, and a vote; checkout in action
// mode.
func triaged(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	for _, id := range []string{"QOLD", "QNEW"} {
		ev := noctuary.WebhookEvent{ID: "ev-" + id, Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: now,
			Incident: noctuary.Incident{ID: id, Number: 7, Title: "Checkout 5xx " + id, Status: "triggered", Urgency: "high", CreatedAt: now}}
		if _, err := e.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond) // the index orders by the millisecond first seen
	}
	tr := noctuary.Triage{ID: "tr_old", Service: "checkout", Engine: "heuristic", Onset: now.Add(-time.Minute), CreatedAt: now,
		Incident:   noctuary.Incident{ID: "QOLD", Title: "Checkout 5xx QOLD", Status: "triggered"},
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94,
		Note: "Noctuary Context\nHypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset <b>",
		Signals: []noctuary.Signal{
			{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: now.Add(-5 * time.Minute), Summary: "sha=a4f2c1"}, Class: noctuary.ClassChange, Score: 0.9},
			{Event: noctuary.ContextEvent{Service: "postgres-main", Kind: "deadlock", Source: "postgres", OccurredAt: now.Add(-2 * time.Minute)}, Class: noctuary.ClassFailure, Score: 0.5},
		},
		Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback", Params: map[string]string{"sha": "f8b3e22"}, Destructive: true},
	}
	if err := e.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	a := noctuary.Approval{ID: "ap_1", TriageID: tr.ID, IncidentID: "QOLD", Service: "checkout", Action: "rollback", Destructive: true,
		Params: map[string]string{"sha": "f8b3e22"}, ExpiresAt: now.Add(time.Hour)}
	if err := e.store.CreateApproval(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RunApproval(ctx, "ap_1", "U0ALICE", "job-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.TransitionApproval(ctx, "ap_1", noctuary.ApprovalRunning, noctuary.ApprovalDone, "U0ALICE", "rollback succeeded: HTTP 200"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordFeedback(ctx, noctuary.Vote{Service: "checkout", TriageID: tr.ID, Engine: "heuristic", User: "U0BOBBOB", Right: true}); err != nil {
		t.Fatal(err)
	}
}

// TestIncidentsEmpty: with no incident the page says to run make demo and
// how to send a ContextEvent.
func TestIncidentsEmpty(t *testing.T) {
	e := start(t, "checkout").signedIn()
	expect(t, e.get("/dashboard/incidents"), http.StatusOK, `id="incidents-empty"`, "make demo",
		"curl -X POST https://noctuary.example/v1/events -H &#34;Authorization: Bearer $NOCTUARY_INGEST_TOKEN&#34;")
}

// TestIncidentsPage: newest first, each with its status and what Noctuary
// said.
func TestIncidentsPage(t *testing.T) {
	e := start(t, "checkout").signedIn()
	triaged(t, e)
	p := e.get("/dashboard/incidents")
	expect(t, p, http.StatusOK, `href="/dashboard/incidents/QOLD"`, "Deploy sha=a4f2c1 rolled out", "94%", "not triaged")
	if strings.Index(p.body, "QNEW") > strings.Index(p.body, "QOLD") {
		t.Error("the older incident is listed first")
	}
	expect(t, e.get("/dashboard/incidents?offset=-1"), http.StatusBadRequest, "offset must be a number")
}

// TestIncidentsPastTheLastPage: an offset past the last incident says how
// many incidents there are and links back to the newest, instead of the
// first-run page that says there are none.
func TestIncidentsPastTheLastPage(t *testing.T) {
	e := start(t, "checkout").signedIn()
	triaged(t, e)
	p := e.get("/dashboard/incidents?offset=1000")
	expect(t, p, http.StatusOK, `id="incidents-past-end"`, "2 incidents in the last 30 days", `href="/dashboard/incidents"`)
	if p.has(`id="incidents-empty"`) || p.has("make demo") {
		t.Errorf("a page past the end is shown as if there were no incidents:\n%s", p.body)
	}
}

// TestIncidentPage: the note, the signals on a timeline, the approval and
// its outcome, the vote and the Slack message as posted.
func TestIncidentPage(t *testing.T) {
	e := start(t, "checkout").signedIn()
	triaged(t, e)
	p := e.get("/dashboard/incidents/QOLD")
	expect(t, p, http.StatusOK,
		`<pre id="note">Noctuary Context`, "onset &lt;b&gt;</pre>", // the note, escaped
		`<svg id="timeline"`, "<title>deploy (argocd)", `fill="#b3141b"`, // a change and a failure on the timeline
		`id="approvals"`, "rollback succeeded: HTTP 200", "U0ALICE",
		`id="feedback"`, "U0BOBBOB: <span class=\"ok\">right",
		`id="slack-preview"`, `class="sv-message"`, "Deploy sha=a4f2c1")
	expect(t, e.get("/dashboard/incidents/QNEW"), http.StatusOK, `id="note-empty"`, "Not triaged yet")
	expect(t, e.get("/dashboard/incidents/QNONE"), http.StatusNotFound, `class="error"`)
}

// TestIncidentWithoutSignals: a triage that found no ContextEvents says how
// to send one for its service.
func TestIncidentWithoutSignals(t *testing.T) {
	e := start(t, "checkout").signedIn()
	ctx := context.Background()
	ev := noctuary.WebhookEvent{ID: "ev-1", Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: time.Now(),
		Incident: noctuary.Incident{ID: "QBARE", Title: "Checkout slow", Status: "triggered"}}
	if _, err := e.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	tr := noctuary.Triage{ID: "tr_bare", Service: "checkout", Engine: "heuristic", Onset: time.Now(), CreatedAt: time.Now(), NoContext: true,
		Incident: noctuary.Incident{ID: "QBARE"}, Hypothesis: "No recent changes found", Note: "Noctuary Context\nNo recent changes found"}
	if err := e.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	expect(t, e.get("/dashboard/incidents/QBARE"), http.StatusOK, `id="signals-empty"`, "No ContextEvents yet for checkout",
		`&#34;service&#34;:&#34;checkout&#34;`, `id="approvals-empty"`, `id="feedback-empty"`)
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// lifecycleWebhook is a V3 webhook of a later step of an incident created
// at created: its type, the status it leaves and who did it.
func lifecycleWebhook(eventID, eventType, incidentID, status, agent string, created, occurred time.Time) []byte {
	body, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": eventID, "event_type": eventType, "resource_type": "incident", "occurred_at": occurred.Format(time.RFC3339),
		"agent": map[string]any{"id": "PUSER1", "type": "user_reference", "summary": agent},
		"data": map[string]any{
			"id": incidentID, "type": "incident", "number": 4242, "status": status,
			"title": "checkout: 5xx error rate above 5%", "created_at": created.Format(time.RFC3339),
			"html_url": "https://example.pagerduty.com/incidents/" + incidentID, "urgency": "high",
			"service": map[string]any{"id": "PCHECKOUT", "type": "service_reference", "summary": "PCHECKOUT"},
		},
	}})
	return body
}

// postmortemNotes are the incident's PagerDuty notes that reference a
// postmortem draft.
func postmortemNotes(s *pdtest.Server, incidentID string) []pdtest.Note {
	var out []pdtest.Note
	for _, n := range s.Notes(incidentID) {
		if strings.Contains(n.Content, "Postmortem: pm_") {
			out = append(out, n)
		}
	}
	return out
}

// draftPosts are the thread messages that post a postmortem draft.
func draftPosts(f *fakeSlack) []slackCall {
	var out []slackCall
	for _, p := range f.posts() {
		if p.Form.Get("thread_ts") != "" && strings.HasPrefix(p.Form.Get("text"), "Postmortem draft of incident #4242") {
			out = append(out, p)
		}
	}
	return out
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

// TestPostmortemEndToEnd: trigger → triage note → acknowledgement → an
// approved rollback → resolution (delivered twice) gives one postmortem
// draft with the real timeline: served by the API as Markdown and JSON,
// posted once in the Slack thread, referenced by one PagerDuty note.
// /noctuary postmortem writes it again (revision 2, posted again, audited)
// without a second note.
func TestPostmortemEndToEnd(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hits.Add(1)
		_, _ = io.WriteString(w, "rolled back to f8b3e22")
	}))
	t.Cleanup(hook.Close)
	fake := newFakeSlack(t)
	e := &env{t: t, pd: pdtest.New(t, testPDToken), redis: storetest.StartRedis(t)}
	e.cfg = actionConfig(e.redis.URL, e.pd.URL, fake.URL, hook.URL)
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr
	const id = "QPOSTMORTEM"

	at := time.Now().UTC().Truncate(time.Second).Add(-3 * time.Minute)
	e.sendEvents(seedEvents(at, "pm-")...)
	e.sendWebhook(webhook("EV-PM-TRIGGER", noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
	mustContain(t, e.waitNotes(id, 1, 15*time.Second)[0].Content, "sha=a4f2c1")
	approvalID := approvalOffered(t, fake, 15*time.Second)
	// PagerDuty's times are to the second: the acknowledgement comes in the
	// second after the note's, the approval after it.
	acked := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(acked))
	e.sendWebhook(lifecycleWebhook("EV-PM-ACK", noctuary.EventIncidentAcknowledged, id, "acknowledged", "Alice Example", at, acked))
	e.clickApprove(fake, "U0ALICE", id, approvalID)
	waitFor(t, 15*time.Second, "the rollback done", func() bool {
		a, _ := e.main.Store.Approval(context.Background(), approvalID)
		return a.State == noctuary.ApprovalDone
	})
	e.waitNotes(id, 4, 10*time.Second) // the triage's, approved, running, succeeded

	resolved := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	body := lifecycleWebhook("EV-PM-RESOLVE", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", at, resolved)
	e.sendWebhook(body)
	e.sendWebhook(body) // PagerDuty's redelivery
	// A second subscription's delivery of the resolution: another event.
	e.sendWebhook(lifecycleWebhook("EV-PM-RESOLVE-2", noctuary.EventIncidentResolved, id, "resolved", "Alice Example", at, resolved))
	waitFor(t, 15*time.Second, "the postmortem note", func() bool { return len(postmortemNotes(e.pd, id)) > 0 })
	waitFor(t, 15*time.Second, "the draft in the Slack thread", func() bool { return len(draftPosts(fake)) > 0 })
	e.waitPendingZero(10 * time.Second)

	admin := map[string]string{"Authorization": "Bearer " + testAdminToken}
	md := e.getText("/api/v1/incidents/"+id+"/postmortem", admin)
	mustContain(t, md,
		"# Postmortem draft: checkout: 5xx error rate above 5% (incident #4242)",
		"- **Impact window:** "+at.Format("2006-01-02 15:04:05")+" UTC → "+resolved.Format("2006-01-02 15:04:05")+" UTC ("+resolved.Sub(at).String()+")",
		"- "+hhmmss(at)+" — Incident \\#4242 triggered (high urgency)",
		"Noctuary's triage note (engine heuristic, confidence",
		") posted to PagerDuty — Noctuary",
		"- "+hhmmss(acked)+" — Acknowledged in PagerDuty — Alice Example",
		"Approved rollback (sha=f8b3e22) — U0ALICE",
		"rollback done: rollback succeeded: HTTP 200 rolled back to f8b3e22",
		"- "+hhmmss(resolved)+" — Incident resolved",
		"deploy (argocd, checkout): “checkout rolled out sha=a4f2c1” — <https://argocd.example/applications/checkout>",
		"Deploy sha=a4f2c1",
		"**Engineers' verdict:** nobody marked the hypothesis right or wrong.",
		"## Analysis\n\n_To complete:", "## Action items\n\n_To complete:",
		", revision 1; times UTC.")
	if i, j := strings.Index(md, "Approved rollback"), strings.Index(md, "Incident resolved"); i < 0 || j < i {
		t.Errorf("the timeline is out of order:\n%s", md)
	}

	var p noctuary.Postmortem
	e.getJSON("/api/v1/incidents/"+id+"/postmortem", &p)
	if p.Revision != 1 || p.NoteID == "" || p.NoteResult != "posted" || !p.Delivered || p.Writer != "template" ||
		!p.ResolvedAt.Equal(resolved) || p.ImpactWindow() != resolved.Sub(at) || p.Markdown != md {
		t.Errorf("JSON draft: revision %d note %q (%s) delivered %t writer %q window %s", p.Revision, p.NoteID, p.NoteResult, p.Delivered, p.Writer, p.ImpactWindow())
	}
	var kinds []string
	for _, te := range p.Timeline {
		kinds = append(kinds, te.Kind)
	}
	if got := strings.Join(kinds, " "); got != "triggered note acknowledged action action resolved" {
		t.Errorf("timeline kinds %q", got)
	}

	notes := postmortemNotes(e.pd, id)
	if len(notes) != 1 || notes[0].ID != p.NoteID {
		t.Fatalf("%d postmortem notes, want 1 (with ID %s): %+v", len(notes), p.NoteID, notes)
	}
	mustContain(t, notes[0].Content, "Noctuary Context: postmortem draft", "/api/v1/incidents/"+id+"/postmortem", "Postmortem: "+p.ID)
	posts := draftPosts(fake)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), `"type":"markdown"`) ||
		!strings.Contains(posts[0].Form.Get("blocks"), "Approved rollback (sha=f8b3e22)") || posts[0].Form.Get("channel") != "C0CHECKOUT" {
		t.Fatalf("%d draft posts in the thread, want 1 with the draft's markdown: %+v", len(posts), posts)
	}

	status, reply := e.slashCommand("U0BOB", "postmortem "+id, testSigningSecret)
	if status != http.StatusOK || !strings.Contains(reply, "revision 2") {
		t.Fatalf("/noctuary postmortem: %d %q", status, reply)
	}
	waitFor(t, 15*time.Second, "the regenerated draft in the thread", func() bool { return len(draftPosts(fake)) == 2 })
	if last := draftPosts(fake)[1].Form.Get("text"); !strings.Contains(last, "revision 2") {
		t.Errorf("the second draft post says %q", last)
	}
	e.getJSON("/api/v1/incidents/"+id+"/postmortem", &p)
	if p.Revision != 2 || p.CreatedBy != "slack:U0BOB" || len(postmortemNotes(e.pd, id)) != 1 {
		t.Errorf("after regeneration: revision %d by %q, %d notes; want 2 by slack:U0BOB, 1 note", p.Revision, p.CreatedBy, len(postmortemNotes(e.pd, id)))
	}
	entries, err := e.main.Store.AuditSearch(context.Background(), noctuary.AuditQuery{Incident: id})
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, a := range entries {
		if strings.HasPrefix(a.Action, "postmortem.") {
			audited = append(audited, a.Actor+" "+a.Action)
		}
	}
	if got := strings.Join(audited, ", "); got != "slack:U0BOB postmortem.regenerate, noctuary postmortem.draft" {
		t.Errorf("audit: %q", got)
	}
	if status, reply := e.slashCommand("U0BOB", "postmortem QNOSUCH", testSigningSecret); status != http.StatusOK || !strings.Contains(reply, "knows no incident QNOSUCH") {
		t.Errorf("unknown incident: %d %q", status, reply)
	}
	if hits.Load() != 1 {
		t.Errorf("the rollback ran %d times, want 1", hits.Load())
	}
}

// getText GETs path and returns its body, failing unless 200.
func (e *env) getText(path string, headers map[string]string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") {
		e.t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	return string(raw)
}

// getJSON GETs path as JSON into v, failing unless 200.
func (e *env) getJSON(path string, v any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, v) != nil {
		e.t.Fatalf("GET %s as JSON: %d %s", path, resp.StatusCode, raw)
	}
}

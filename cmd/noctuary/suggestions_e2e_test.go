package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// actionHook counts the calls of each declared action's webhook.
type actionHook struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newActionHook(t *testing.T) *actionHook {
	h := &actionHook{hits: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits[r.URL.Path]++
		h.mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *actionHook) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[path]
}

// slackButton is one button of a posted message.
type slackButton struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
}

// postedMessage decodes a chat.postMessage call's section texts and buttons.
func postedMessage(t *testing.T, c slackCall) (sections []string, buttons []slackButton) {
	t.Helper()
	var bs []struct {
		Type     string                 `json:"type"`
		Text     *struct{ Text string } `json:"text"`
		Elements []slackButton          `json:"elements"`
	}
	if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	for _, b := range bs {
		switch b.Type {
		case "section":
			sections = append(sections, b.Text.Text)
		case "actions":
			buttons = append(buttons, b.Elements...)
		}
	}
	return sections, buttons
}

// clicks numbers the clicks, each its own trigger_id as in Slack: a
// request identical to an earlier one would be ignored as a replay.
var clicks atomic.Int64

// clickButton sends user's signed click on a button of the incident's message.
func (e *env) clickButton(fake *fakeSlack, user, actionID, incidentID, value string) {
	e.t.Helper()
	status, out := e.interact(map[string]any{"type": "block_actions", "trigger_id": fmt.Sprintf("trig.%d", clicks.Add(1)),
		"user": map[string]any{"id": user, "name": strings.ToLower(user)}, "response_url": fake.URL + "/response/1",
		"actions": []map[string]any{{"action_id": actionID, "block_id": blocks.ActionsBlockPrefix + incidentID, "value": value}}})
	if status != http.StatusOK {
		e.t.Fatalf("click %s: %d %v", actionID, status, out)
	}
}

// waitReply waits for an ephemeral reply containing want.
func waitReply(t *testing.T, fake *fakeSlack, want string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got = got[:0]
		for _, c := range fake.callsTo("response/1") {
			var m struct{ Text string }
			_ = json.Unmarshal(c.Body, &m)
			if strings.Contains(m.Text, want) {
				return
			}
			got = append(got, m.Text)
		}
	}
	t.Fatalf("no reply says %q; replies: %q", want, got)
}

// waitApproval waits until the approval reaches state.
func (e *env) waitApproval(id string, state noctuary.ApprovalState) {
	e.t.Helper()
	var a noctuary.Approval
	for deadline := time.Now().Add(15 * time.Second); a.State != state && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		a, _ = e.main.Store.Approval(context.Background(), id)
	}
	if a.State != state {
		e.t.Fatalf("approval %s is %q, want %q", id, a.State, state)
	}
}

// TestThreeSuggestionsWithTheirButtons: a triage offers three ranked
// suggestions — the rollback of the deploy that caused it (destructive:
// Approve), the revert of a dependency's config change (text: no button),
// and flush-cache, a declared action a failure names (Apply) — each with
// its reason and evidence links, in Slack and in the note. A forged
// approval ID runs nothing; Apply runs flush-cache once, audited; Approve
// needs an approver.
func TestThreeSuggestionsWithTheirButtons(t *testing.T) {
	t.Parallel()
	hook := newActionHook(t)
	fake := newFakeSlack(t)
	e := newEnv(t, func(c *config.Config) {
		withSlack(fake)(c)
		svc := &c.Services[0]
		svc.Mode, svc.Approvers = noctuary.ModeAction, []string{"U0ALICE"}
		svc.Actions[0].Webhook = hook.URL + "/rollback"
		svc.Actions = append(svc.Actions, noctuary.ActionSpec{Name: "flush-cache", Description: "Flush the checkout page cache",
			Webhook: hook.URL + "/flush", Secret: "s2"})
	})
	at := onsetAt()
	e.sendEvents(append(seedEvents(at, "sg-"),
		noctuary.ContextEvent{ID: "sg-pg-cfg", Service: "postgres-main", Kind: "config_change", Source: "consul", OccurredAt: at.Add(-10 * time.Minute),
			Summary: "max_connections lowered", Attributes: map[string]string{"key": "max_connections"}},
		noctuary.ContextEvent{ID: "sg-cache", Service: "checkout", Kind: "error_rate", Source: "prometheus", OccurredAt: at.Add(-5 * time.Second),
			Summary: "page cache timeouts", Link: "https://grafana.example/d/checkout"})...)
	e.sendWebhook(webhook("EV-SUGGEST", noctuary.EventIncidentTriggered, "QSUGGEST", "PCHECKOUT", at))

	sections, buttons := postedMessage(t, fake.waitPosts(t, 1, 15*time.Second)[0])
	text := strings.Join(sections, "\n")
	incident := "<https://example.pagerduty.com/incidents/QSUGGEST|PagerDuty incident"
	mustContain(t, text,
		"*Recommended action:* Rollback to sha=f8b3e22 → *Approve rollback* below\n_Why:_ top-ranked cause: deploy (argocd, "+hhmmss(at.Add(-4*time.Minute-9*time.Second))+" UTC)",
		"_Evidence:_ <https://argocd.example/applications/checkout|deploy (argocd, ", incident,
		"\n2. Revert the config change key=max_connections of postgres-main (consul, "+hhmmss(at.Add(-10*time.Minute))+" UTC) _(runner-up cause: ",
		"\n3. Run flush-cache: Flush the checkout page cache _(declared action flush-cache matches the error_rate (prometheus, ",
		"<https://grafana.example/d/checkout|error_rate (prometheus, ", "→ *Apply flush-cache* below")
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "2. ") && (strings.Contains(l, "below") || !strings.Contains(l, incident)) {
			t.Errorf("the advice must link its evidence and the incident, and offer no button: %q", l)
		}
	}
	var ids []string
	offered := map[string]string{}
	for _, b := range buttons {
		ids = append(ids, b.ActionID)
		offered[b.ActionID] = b.Value
	}
	if got := strings.Join(ids, " "); got != "noctuary_approve noctuary_apply noctuary_ack noctuary_feedback_right noctuary_feedback_wrong" {
		t.Fatalf("buttons %q: want Approve and Apply for the two declared actions only", got)
	}
	note := e.waitNotes("QSUGGEST", 1, 10*time.Second)[0].Content
	mustContain(t, note, "Recommended action: Rollback to sha=f8b3e22\nWhy: top-ranked cause: deploy",
		"Evidence: deploy (argocd, "+hhmmss(at.Add(-4*time.Minute-9*time.Second))+" UTC) https://argocd.example/applications/checkout",
		"\nSuggestion 2: Revert the config change key=max_connections of postgres-main", "\nSuggestion 3: Run flush-cache")

	// A forged approval ID: nothing runs.
	e.clickButton(fake, "U0ALICE", blocks.ActionApply, "QSUGGEST", "ap_000000000000000000forged")
	waitReply(t, fake, "This button is no longer offered on this message; nothing ran.")

	// Apply: one click runs flush-cache once, audited; a second click runs nothing.
	apply := offered[blocks.ActionApply]
	e.clickButton(fake, "U0ALICE", blocks.ActionApply, "QSUGGEST", apply)
	e.waitApproval(apply, noctuary.ApprovalDone)
	e.clickButton(fake, "U0ALICE", blocks.ActionApply, "QSUGGEST", apply)
	waitReply(t, fake, "flush-cache was already applied by <@U0ALICE>")

	// Approve: a non-approver is refused, an approver runs the rollback.
	approve := offered[blocks.ActionApprove]
	e.clickButton(fake, "U0MALLORY", blocks.ActionApprove, "QSUGGEST", approve)
	waitReply(t, fake, "you may not approve rollback: only the approvers of checkout may approve its actions: <@U0ALICE>")
	e.clickButton(fake, "U0ALICE", blocks.ActionApprove, "QSUGGEST", approve)
	e.waitApproval(approve, noctuary.ApprovalDone)
	if f, r := hook.count("/flush"), hook.count("/rollback"); f != 1 || r != 1 {
		t.Errorf("flush-cache ran %d times, rollback %d; want once each", f, r)
	}

	entries, err := e.main.Store.AuditEntries(context.Background(), "checkout", 100)
	if err != nil {
		t.Fatal(err)
	}
	var audit []string
	for i := len(entries) - 1; i >= 0; i-- {
		if a := entries[i]; strings.HasPrefix(a.Action, "action.") {
			audit = append(audit, a.Action+" "+a.Actor+" "+a.Result)
		}
	}
	want := []string{"action.apply slack:U0ALICE ok", "action.execute slack:U0ALICE sent", "action.result slack:U0ALICE done",
		"action.approve slack:U0MALLORY forbidden",
		"action.approve slack:U0ALICE ok", "action.execute slack:U0ALICE sent", "action.result slack:U0ALICE done"}
	if strings.Join(audit, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit =\n%s\nwant\n%s", strings.Join(audit, "\n"), strings.Join(want, "\n"))
	}
	notes := e.waitNotes("QSUGGEST", 7, 10*time.Second) // the triage's, then three per action
	mustContain(t, notes[1].Content+notes[4].Content, "Applied flush-cache — by ", "Approved rollback (sha=f8b3e22) — by ")
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/eval"
	"github.com/noctuary/noctuary/bot/blocks"
)

// interact posts a signed interaction payload to the running server.
func (e *env) interact(payload map[string]any) (int, map[string]any) {
	e.t.Helper()
	raw, _ := json.Marshal(payload)
	body := url.Values{"payload": {string(raw)}}.Encode()
	return e.do("POST", "/slack/interactions", []byte(body), signedSlack(body))
}

// clickFeedback clicks "right" or "wrong" on the triage's message as user.
func (e *env) clickFeedback(fake *fakeSlack, user, actionID, triageID, incidentID string) {
	e.t.Helper()
	status, out := e.interact(map[string]any{"type": "block_actions", "trigger_id": "trig." + user,
		"user": map[string]any{"id": user, "name": strings.ToLower(user)}, "response_url": fake.URL + "/response/1",
		"actions": []map[string]any{{"action_id": actionID, "block_id": blocks.ActionsBlockPrefix + incidentID, "value": triageID}}})
	if status != http.StatusOK || out != nil {
		e.t.Fatalf("click %s: %d %v", actionID, status, out)
	}
}

// submitCause submits the "what was it, then?" modal of triageID as user.
func (e *env) submitCause(user, triageID, option, text string) map[string]any {
	e.t.Helper()
	values := map[string]any{"cause_text": map[string]any{"text": map[string]any{"type": "plain_text_input", "value": text}}}
	if option != "" {
		values["cause_signal"] = map[string]any{"signal": map[string]any{"type": "static_select",
			"selected_option": map[string]any{"value": option, "text": map[string]any{"type": "plain_text", "text": "x"}}}}
	}
	status, out := e.interact(map[string]any{"type": "view_submission", "user": map[string]any{"id": user},
		"view": map[string]any{"callback_id": "noctuary_miss", "private_metadata": triageID, "state": map[string]any{"values": values}}})
	if status != http.StatusOK {
		e.t.Fatalf("view_submission: %d %v", status, out)
	}
	return out
}

// feedbackIncident triages incident QFEEDBACK (the demo scenario) with
// Slack, and returns its triage.
func feedbackIncident(t *testing.T, e *env, fake *fakeSlack) noctuary.Triage {
	t.Helper()
	at := onsetAt()
	e.sendEvents(seedEvents(at, "fb-")...)
	e.sendWebhook(webhook("EV-FEEDBACK", noctuary.EventIncidentTriggered, "QFEEDBACK", "PCHECKOUT", at))
	e.waitNotes("QFEEDBACK", 1, 10*time.Second)
	fake.waitPosts(t, 1, 10*time.Second)
	status, out := e.do("GET", "/api/v1/incidents/QFEEDBACK", nil, map[string]string{"Authorization": "Bearer " + testAdminToken})
	raw, _ := json.Marshal(out["triage"])
	var tr noctuary.Triage
	if status != http.StatusOK || json.Unmarshal(raw, &tr) != nil || tr.ID == "" {
		t.Fatalf("GET incident: %d %v", status, out)
	}
	return tr
}

// optionFor is the value of the option of the opened modal whose text
// names kind.
func optionFor(t *testing.T, fake *fakeSlack, kind string) string {
	t.Helper()
	opens := fake.callsTo("views.open")
	if len(opens) == 0 {
		t.Fatal("no modal was opened")
	}
	var req struct {
		View struct {
			Blocks []struct {
				Element struct {
					Options []struct {
						Text  struct{ Text string } `json:"text"`
						Value string                `json:"value"`
					} `json:"options"`
				} `json:"element"`
			} `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal(opens[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	for _, b := range req.View.Blocks {
		for _, o := range b.Element.Options {
			if strings.Contains(o.Text.Text, " "+kind+" ") {
				return o.Value
			}
		}
	}
	t.Fatalf("the modal lists no %s signal: %s", kind, opens[0].Body)
	return ""
}

// servicePrecision polls GET /api/v1/services/checkout until its 30-day
// window counts n votes, and returns the answer's precision.
func (e *env) servicePrecision(n int, within time.Duration) []any {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		status, out := e.do("GET", "/api/v1/services/checkout", nil, map[string]string{"Authorization": "Bearer " + testAdminToken})
		p, _ := out["precision"].([]any)
		if status == http.StatusOK && len(p) == 2 {
			all := p[0].(map[string]any)["all"].(map[string]any)
			if int(all["right"].(float64)+all["wrong"].(float64)) == n {
				return p
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("GET /api/v1/services/checkout: %d %v, want %d votes", status, out, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metrics returns the running server's /metrics text.
func (e *env) metrics() string {
	e.t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return string(raw)
}

// TestFeedbackEndToEnd: clicks on "right" and "wrong" through the running
// server (signed Slack requests, the Slack job worker, a real
// redis-server) become precision in /noctuary status, in
// GET /api/v1/services/checkout and in /metrics; "wrong" opens the modal,
// whose invalid answer is refused in Slack's format and whose valid one is
// recorded as the user's miss.
func TestFeedbackEndToEnd(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	tr := feedbackIncident(t, e, fake)

	e.clickFeedback(fake, "U0ALICE", blocks.ActionRight, tr.ID, "QFEEDBACK")
	e.clickFeedback(fake, "U0BOB", blocks.ActionWrong, tr.ID, "QFEEDBACK")
	if opens := fake.callsTo("views.open"); len(opens) != 1 || !strings.Contains(string(opens[0].Body), `"trigger_id":"trig.U0BOB"`) ||
		!strings.Contains(string(opens[0].Body), `"callback_id":"noctuary_miss"`) {
		t.Fatalf("views.open calls: %+v, want the modal opened with Bob's trigger", opens)
	}
	out := e.submitCause("U0BOB", tr.ID, "", " ")
	if out["response_action"] != "errors" {
		t.Errorf("an empty answer was not refused: %v", out)
	}
	out = e.submitCause("U0BOB", tr.ID, optionFor(t, fake, "deadlock"), "lock order changed by the migration")
	if out["response_action"] != "update" {
		t.Fatalf("the answer was not recorded: %v", out)
	}
	e.clickFeedback(fake, "U0CAROL", blocks.ActionWrong, tr.ID, "QFEEDBACK")

	p := e.servicePrecision(3, 10*time.Second)
	heuristic := p[0].(map[string]any)["engines"].(map[string]any)["heuristic"].(map[string]any)
	if heuristic["right"] != 1.0 || heuristic["wrong"] != 2.0 || heuristic["precision"] != 1.0/3 {
		t.Errorf("30-day heuristic verdicts = %v, want 1 right, 2 wrong", heuristic)
	}
	_, text := e.slashCommand("U0BOB", "status checkout", testSigningSecret)
	mustContain(t, text, "hypotheses found right: 30 days 33% of 3 votes (heuristic 33% of 3 votes) · 90 days 33% of 3 votes")
	mustContain(t, e.metrics(),
		`noctuary_hypothesis_precision{engine="heuristic",service="checkout",window="30d"} 0.3333333333333333`+"\n",
		`noctuary_feedback_votes{engine="heuristic",service="checkout",verdict="wrong",window="90d"} 2`+"\n")
	misses, err := e.main.Store.Misses(t.Context())
	if err != nil || len(misses) != 1 || misses[0].User != "U0BOB" {
		t.Fatalf("misses = %+v, %v; want Bob's", misses, err)
	}
	if ev, ok := misses[0].CauseEvent(); !ok || ev.Kind != "deadlock" {
		t.Errorf("the miss names %+v, want the deadlock", ev)
	}

	exportRuns(t, e, tr, "fb-pg-1")
}

// exportRuns runs `noctuary eval export` against the env's Redis and the
// suite's runner over what it wrote: one scenario, expecting wantCause,
// on which the engine still blames what the triage blamed (the miss is
// reproduced).
func exportRuns(t *testing.T, e *env, tr noctuary.Triage, wantCause string) {
	t.Helper()
	var out bytes.Buffer
	if err := evalExport(t.Context(), e.cfg, slog.New(slog.DiscardHandler), &out); err != nil {
		t.Fatalf("noctuary eval export: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "feedback.yaml"), out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	scenarios, err := eval.Load(dir)
	if err != nil || len(scenarios) != 1 {
		t.Fatalf("the suite does not load the export: %v\n%s", err, out.String())
	}
	o := eval.Run(t.Context(), scenarios, time.Now()).Outcomes[0]
	if o.Expected != wantCause || o.Right() || o.Got != "fb-argo-7781" || o.Category != eval.FeedbackCategory {
		t.Errorf("outcome %+v; want %s expected and the deploy blamed again, as in %q\n%s", o, wantCause, tr.Hypothesis, out.String())
	}
}

package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/store/storetest"
)

// verdicts are checkout's votes of the last 30 days.
func (h *harness) verdicts() noctuary.Verdicts {
	h.t.Helper()
	p, err := h.store.FeedbackPrecision(context.Background(), "checkout")
	if err != nil {
		h.t.Fatal(err)
	}
	return p[0].All
}

// statusLine is the precision line of checkout in /noctuary status.
func (h *harness) statusLine() string {
	h.t.Helper()
	_, line, _ := strings.Cut(h.command("U0BOB", "status checkout"), "hypotheses found right: ")
	return line
}

// withSignals gives the triage a second signal, a failure of a dependency,
// whose summary tries a mention.
func withSignals(tr *noctuary.Triage) {
	tr.Signals = append(tr.Signals, noctuary.Signal{Event: noctuary.ContextEvent{Service: "postgres-main",
		Kind: "disk_full", Source: "prometheus", OccurredAt: onset.Add(-5 * time.Minute),
		Summary: "<!channel> /var/lib/postgresql 100% used on pg-main-0"}})
}

// Clicks through the real bot, on a real redis-server, become precision
// per window and engine in /noctuary status; the windows follow the
// store's clock.
func TestFeedbackClicksBecomeStatus(t *testing.T) {
	clk := storetest.NewClock(time.Now())
	h := newHarness(t, "redis", storeClock(clk))
	h.post(checkout(noctuary.ModeReadOnly), withSignals)
	if got := h.statusLine(); got != "" {
		t.Errorf("no votes yet, but status says %q", got)
	}
	h.click("U0ALICE", blocks.ActionRight, "tri-1", "Q1ABCDEF")
	h.click("U0BOB", blocks.ActionWrong, "tri-1", "Q1ABCDEF")
	h.click("U0CAROL", blocks.ActionWrong, "tri-1", "Q1ABCDEF")
	h.drain()
	want := "30 days 33% of 3 votes (heuristic 33% of 3 votes) · 90 days 33% of 3 votes (heuristic 33% of 3 votes)"
	if got := h.statusLine(); got != want {
		t.Errorf("status: %q\nwant     %q", got, want)
	}

	clk.Add(31 * 24 * time.Hour)
	tr := triageFixture("tri-2", clk.Now())
	tr.Engine = "gemini-2.5-flash"
	if err := h.store.SaveTriage(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	h.click("U0ALICE", blocks.ActionRight, "tri-2", "Q1ABCDEF")
	h.drain()
	want = "30 days 100% of 1 vote (gemini-2.5-flash 100% of 1 vote) · " +
		"90 days 50% of 4 votes (gemini-2.5-flash 100% of 1 vote, heuristic 33% of 3 votes)"
	if got := h.statusLine(); got != want {
		t.Errorf("31 days later: %q\nwant     %q", got, want)
	}

	clk.Add(60 * 24 * time.Hour)
	want = "30 days no votes · 90 days 100% of 1 vote (gemini-2.5-flash 100% of 1 vote)"
	if got := h.statusLine(); got != want {
		t.Errorf("91 days after the first votes: %q\nwant     %q", got, want)
	}
}

// openedView is the modal of the n-th views.open call.
func (h *harness) openedView(n int) (trigger string, view slack.ModalViewRequest) {
	h.t.Helper()
	opens := h.slack.callsTo("views.open")
	if len(opens) <= n {
		h.t.Fatalf("%d views.open calls, want %d", len(opens), n+1)
	}
	var req struct {
		TriggerID string                 `json:"trigger_id"`
		View      slack.ModalViewRequest `json:"view"`
	}
	if err := json.Unmarshal(opens[n].Body, &req); err != nil {
		h.t.Fatal(err)
	}
	return req.TriggerID, req.View
}

// "Wrong" opens the "what was it, then?" modal listing the triage's
// signals (defused); its submission records the miss, which is the vote
// "wrong" of the same user.
func TestWrongOpensMissModal(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeReadOnly), withSignals)
	h.click("U0ALICE", blocks.ActionRight, "tri-1", "Q1ABCDEF")
	if n := len(h.slack.callsTo("views.open")); n != 0 {
		t.Fatalf("\"right\" opened %d forms", n)
	}
	h.click("U0BOB", blocks.ActionWrong, "tri-1", "Q1ABCDEF")
	trigger, view := h.openedView(0)
	if !strings.HasPrefix(trigger, "1337.") || view.CallbackID != missCallback || view.PrivateMetadata != "tri-1" {
		t.Fatalf("views.open got trigger %q, view %+v", trigger, view)
	}
	viewJSON, _ := json.Marshal(view)
	for _, want := range []string{`"value":"` + fixtureOption("#0") + `"`, `"text":"02:10:41 deploy (argocd): \"checkout rolled out sha=a4f2c1\""`,
		`"value":"` + fixtureOption("#1") + `"`, `‹!channel›`, `"max_length":500`} {
		if !strings.Contains(string(viewJSON), strings.ReplaceAll(want, "02:10:41", onset.Add(-199*time.Second).Format("15:04:05"))) {
			t.Errorf("the modal lacks %s:\n%s", want, viewJSON)
		}
	}
	if strings.Contains(string(viewJSON), "<!channel>") {
		t.Error("a signal's summary reached the modal undefused")
	}

	w := h.submitMiss("tri-1", "U0BOB", "#1", "  the primary's disk filled up  ")
	if resp := decodeSubmission(t, w); resp.Action != "update" {
		t.Fatalf("submission answered %s, want an update", w.Body)
	}
	h.drain()
	misses, err := h.store.Misses(context.Background())
	if err != nil || len(misses) != 1 {
		t.Fatalf("Misses = %+v, %v", misses, err)
	}
	if ev, ok := misses[0].CauseEvent(); !ok || ev.Kind != "disk_full" || misses[0].Text != "the primary's disk filled up" || misses[0].User != "U0BOB" {
		t.Errorf("miss = %+v", misses[0])
	}
	if got := h.verdicts(); got != (noctuary.Verdicts{Right: 1, Wrong: 1}) {
		t.Errorf("verdicts = %+v, want Alice right and Bob wrong once", got)
	}
	wantAudit := "U0BOB triage.miss checkout wrong cause_signal=disk_full (prometheus) cause_text=the primary's disk filled up engine=heuristic triage=tri-1"
	if audit := h.audit(); !slices.Contains(audit, wantAudit) {
		t.Errorf("audit log %q lacks %q", audit, wantAudit)
	}
}

// fixtureOption is the option value of the fixture's signal "#<i>" (with
// withSignals: #0 the deploy, #1 the disk_full); other values are kept.
func fixtureOption(option string) string {
	tr := triageFixture("tri-1", onset)
	withSignals(&tr)
	switch option {
	case "#0":
		return signalKey(tr.Signals[0].Event)
	case "#1":
		return signalKey(tr.Signals[1].Event)
	}
	return option
}

// submitMiss submits the modal of triageID as user, with the option value
// (fixtureOption) and text given.
func (h *harness) submitMiss(triageID, user, option, text string) *httptest.ResponseRecorder {
	h.t.Helper()
	values := map[string]map[string]slack.BlockAction{missTextBlock: {missTextInput: {Value: text}}}
	if option != "" {
		values[missSignalBlock] = map[string]slack.BlockAction{missSignalInput: {SelectedOption: slack.OptionBlockObject{Value: fixtureOption(option)}}}
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{CallbackID: missCallback, PrivateMetadata: triageID, State: &slack.ViewState{Values: values}}}
	return h.interaction(cb)
}

type submission struct {
	Action string            `json:"response_action"`
	Errors map[string]string `json:"errors"`
}

func decodeSubmission(t *testing.T, w *httptest.ResponseRecorder) submission {
	t.Helper()
	var resp submission
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	return resp
}

// The modal's validation: a cause named by a signal of the list or by
// words of at most 500 characters; each problem shown under its field with
// Slack's response_action "errors", and nothing recorded.
func TestMissModalValidation(t *testing.T) {
	long := strings.Repeat("ü", noctuary.MaxCauseText+1)
	tests := []struct {
		name                 string
		noSignals, reordered bool
		triage               string
		option, text         string
		cause                string            // the kind of the signal recorded as the cause
		errors               map[string]string // block -> start of the message; nil: recorded
	}{
		{name: "signal", option: "#1", cause: "disk_full"},
		{name: "words", text: "nothing was deployed: a zone outage"},
		{name: "both", option: "#0", text: "the canary, not the full rollout", cause: "deploy"},
		{name: "triage rewritten while the modal was open", reordered: true, option: "#1", cause: "disk_full"},
		{name: "500 characters", text: long[:len(long)-len("ü")]},
		{name: "words without signals", noSignals: true, text: "cert expired"},
		{name: "nothing", errors: map[string]string{missSignalBlock: "Pick the signal that was the cause"}},
		{name: "blank words", text: " \n\t ", errors: map[string]string{missSignalBlock: "Pick the signal that was the cause"}},
		{name: "nothing without signals", noSignals: true, errors: map[string]string{missTextBlock: "Pick the signal that was the cause"}},
		{name: "option out of the list", option: "7", errors: map[string]string{missSignalBlock: "That signal is not in this triage's list"}},
		{name: "option not a number", option: "x", errors: map[string]string{missSignalBlock: "That signal is not in this triage's list"}},
		{name: "an index", option: "1", errors: map[string]string{missSignalBlock: "That signal is not in this triage's list"}},
		{name: "forged option without signals", noSignals: true, option: "#0", text: "x",
			errors: map[string]string{missTextBlock: "That signal is not in this triage's list"}},
		{name: "too long", text: long, errors: map[string]string{missTextBlock: "Say it in at most 500 characters (this is 501)"}},
		{name: "too long and out of the list", option: "9", text: long, errors: map[string]string{
			missSignalBlock: "That signal is not in this triage's list", missTextBlock: "Say it in at most 500 characters"}},
		{name: "triage gone", triage: "tri-gone", text: "disk full", errors: map[string]string{missTextBlock: "triage \"tri-gone\" is not known"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit := withSignals
			switch {
			case tt.noSignals:
				edit = func(tr *noctuary.Triage) { tr.Signals = nil }
			case tt.reordered:
				edit = func(tr *noctuary.Triage) {
					withSignals(tr)
					slices.Reverse(tr.Signals)
				}
			}
			h := posted(t, checkout(noctuary.ModeReadOnly), edit)
			resp := decodeSubmission(t, h.submitMiss(cmp.Or(tt.triage, "tri-1"), "U0BOB", tt.option, tt.text))
			misses, err := h.store.Misses(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.errors == nil {
				if resp.Action != "update" || len(misses) != 1 {
					t.Fatalf("answer %+v, %d misses; want recorded", resp, len(misses))
				}
				if ev, _ := misses[0].CauseEvent(); ev.Kind != tt.cause {
					t.Errorf("the cause recorded is %q, want %q", ev.Kind, tt.cause)
				}
				return
			}
			if resp.Action != "errors" || len(resp.Errors) != len(tt.errors) || len(misses) != 0 {
				t.Fatalf("answer %+v, %d misses; want errors %v and nothing recorded", resp, len(misses), tt.errors)
			}
			for block, prefix := range tt.errors {
				if !strings.HasPrefix(resp.Errors[block], prefix) || len([]rune(resp.Errors[block])) > 150 {
					t.Errorf("error under %s = %q, want %q… (at most 150 characters)", block, resp.Errors[block], prefix)
				}
			}
		})
	}
}

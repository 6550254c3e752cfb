package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// notPostedLine starts the line of the incident's Slack message that says
// the PagerDuty note is missing.
const notPostedLine = "*PagerDuty note not posted*"

// shownWhen waits until the incident's Slack message, as last posted or
// updated, satisfies ok, and returns its blocks.
func (f *fakeSlack) shownWhen(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var shown string
	for time.Now().Before(deadline) {
		for _, c := range f.allCalls() {
			if (c.Method == "chat.postMessage" && c.Form.Get("thread_ts") == "") || c.Method == "chat.update" {
				shown = c.Form.Get("blocks")
			}
		}
		if ok(shown) {
			return shown
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the Slack message never showed %s; last:\n%s", what, shown)
	return ""
}

func has(s string) func(string) bool { return func(b string) bool { return strings.Contains(b, s) } }
func hasNot(s string) func(string) bool {
	return func(b string) bool { return b != "" && !strings.Contains(b, s) }
}

// TestRefusedNoteShownInSlackUntilPosted: PagerDuty refuses the note (403:
// the keys' user may not see the incident's team). The incident's Slack
// message says so, with PagerDuty's sentence, that it is retried, and the
// LLM's hypothesis. Once PagerDuty accepts, the next delivery posts the
// note once and the same message, updated in place, no longer says it.
func TestRefusedNoteShownInSlackUntilPosted(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	gemini := fakeGemini(t, 0, http.StatusOK, `{"verdict":"confirm","verdict_reason":"The OOMKills follow the deploy.",`+
		`"cause_id":"s1","hypothesis":"The deploy of sha=a4f2c1 exhausted checkout's memory","confidence":0.8,`+
		`"signal_ids":["s1"],"action":"","action_params":{},"suggestion":"Roll back to f8b3e22"}`)
	pd := pdtest.New(t, testPDToken)
	pd.Hide("QREFUSED")
	e := newEnvWith(t, pd, func(c *config.Config) {
		withSlack(fake)(c)
		c.Gemini.APIKey, c.Gemini.BaseURL, c.Gemini.Model = "gemini-key", gemini.URL, "gemini-test-model"
		c.ClaimIdle = 2 * time.Second // time to see the line before the 5th delivery
	})
	at := onsetAt()
	e.sendEvents(seedEvents(at, "refused-")...)
	e.sendWebhook(webhook("EV-REFUSED", noctuary.EventIncidentTriggered, "QREFUSED", "PCHECKOUT", at))

	shown := fake.shownWhen(t, "the note not posted", has(notPostedLine))
	mustContain(t, shown, ":warning: "+notPostedLine+" (attempt 1 of 5", "PagerDuty refused to add a note", "(403)",
		"Retried automatically; after attempt 5 the webhook is dead-lettered.", "exhausted checkout's memory")
	if strings.Contains(shown, testPDToken) {
		t.Errorf("the Slack message shows the PagerDuty key:\n%s", shown)
	}
	if n := len(pd.Notes("QREFUSED")); n != 0 {
		t.Fatalf("%d notes although PagerDuty refuses them", n)
	}

	pd.Unhide("QREFUSED")
	e.waitNotes("QREFUSED", 1, 15*time.Second)
	e.waitPendingZero(10 * time.Second)
	shown = fake.shownWhen(t, "the line gone", hasNot(notPostedLine))
	mustContain(t, shown, "exhausted checkout's memory")
	if n := len(pd.Notes("QREFUSED")); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
	if n := len(fake.posts()); n != 1 {
		t.Errorf("%d Slack messages, want 1 updated in place", n)
	}
}

// TestDeadLetteredNoteShownAuditedReplayed: PagerDuty refuses the note on
// every delivery; after the 5th the webhook is dead-lettered, and the Slack
// message says so and how to replay it; the dead letter is audited with
// PagerDuty's sentence, and each refusal counted. `noctuary replay-dead`,
// once PagerDuty accepts, posts the note once and clears the line.
func TestDeadLetteredNoteShownAuditedReplayed(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	pd := pdtest.New(t, testPDToken)
	pd.Hide("QGAVEUP")
	e := newEnvWith(t, pd, withSlack(fake))
	at := onsetAt()
	e.sendEvents(seedEvents(at, "gaveup-")...)
	e.sendWebhook(webhook("EV-GAVEUP", noctuary.EventIncidentTriggered, "QGAVEUP", "PCHECKOUT", at))

	shown := fake.shownWhen(t, "the dead letter", has(":x: "+notPostedLine))
	mustContain(t, shown, "(attempt 5 of 5", "(403)", "the webhook is dead-lettered", "`noctuary replay-dead` posts this note",
		"Deploy sha=a4f2c1")
	ctx := context.Background()
	entries, err := e.main.Store.AuditEntries(ctx, "checkout", 20)
	if err != nil {
		t.Fatal(err)
	}
	var audited []noctuary.AuditEntry
	for _, a := range entries {
		if a.Action == "triage.note" {
			audited = append(audited, a)
		}
	}
	if len(audited) != 1 || audited[0].Result != "dead_lettered" || !strings.Contains(audited[0].Details["reason"], "(403)") {
		t.Errorf("triage.note audit entries %+v; want one, dead_lettered, with PagerDuty's sentence", audited)
	}
	if n := e.metricSum("noctuary_notes_not_posted_total", `code="forbidden"`); n != 5 {
		t.Errorf("noctuary_notes_not_posted_total{code=\"forbidden\"} = %v, want 5", n)
	}

	pd.Unhide("QGAVEUP")
	var out bytes.Buffer
	if err := replayDead(ctx, e.cfg, slog.New(slog.DiscardHandler), &out); err != nil ||
		!strings.Contains(out.String(), "replayed 1 dead-lettered webhook event(s)") {
		t.Fatalf("noctuary replay-dead: %v\n%s", err, out.String())
	}
	e.waitNotes("QGAVEUP", 1, 10*time.Second)
	e.waitPendingZero(10 * time.Second)
	fake.shownWhen(t, "the line gone", hasNot(notPostedLine))
	if n := len(pd.Notes("QGAVEUP")); n != 1 {
		t.Errorf("%d notes, want 1", n)
	}
	if n := len(fake.posts()); n != 1 {
		t.Errorf("%d Slack messages, want 1 updated in place", n)
	}
}

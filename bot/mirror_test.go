package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// blocksJSON renders m as the fake Slack receives it.
func blocksJSON(t *testing.T, m blocks.Message) string {
	t.Helper()
	raw, err := json.Marshal(blocks.Render(m))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestMirrorPostsOnceThenUpdatesInPlace(t *testing.T) {
	for _, kind := range []string{"redis", "embedded"} {
		t.Run(kind, func(t *testing.T) {
			h := newHarness(t, kind)
			h.putService(noctuary.ModeAction)
			ctx := context.Background()
			heuristic := triageFixture("tri-h", onset.Add(5*time.Second))
			if err := h.bot.MirrorTriage(ctx, heuristic); err != nil {
				t.Fatal(err)
			}
			if len(h.slack.calls) != 0 {
				t.Fatal("MirrorTriage called Slack itself instead of queueing")
			}
			h.drain()
			posts := h.slack.messages()
			if len(posts) != 1 || posts[0].Form.Get("channel") != "C0CHECKOUT" {
				t.Fatalf("posts = %+v, want one to C0CHECKOUT", posts)
			}
			offers := h.offered(t, "tri-h", "rollback", true)
			want := blocksJSON(t, blocks.Message{Triage: heuristic, Offers: offers})
			if got := posts[0].Form.Get("blocks"); got != want {
				t.Errorf("posted blocks\n%s\nwant\n%s", got, want)
			}

			llm := triageFixture("tri-llm", onset.Add(9*time.Second))
			llm.Engine, llm.Hypothesis = "gemini-2.5-flash", "A deadlock after the deploy"
			_ = h.bot.MirrorTriage(ctx, llm)
			_ = h.bot.MirrorTriage(ctx, heuristic) // late retry of the older triage: ignored
			h.drain()
			updates := h.slack.callsTo("chat.update")
			if len(h.slack.messages()) != 1 || len(updates) != 1 {
				t.Fatalf("%d posts, %d updates; want 1 and 1", len(h.slack.messages()), len(updates))
			}
			rec, _ := h.store.SlackMessage(ctx, "Q1ABCDEF")
			if u := updates[0].Form; u.Get("channel") != "C0CHECKOUT" || u.Get("ts") != "1767261300.000001" || rec["ts"] != u.Get("ts") {
				t.Errorf("update went to %s %s; the message is %s", u.Get("channel"), u.Get("ts"), rec["ts"])
			}
			if !strings.Contains(updates[0].blocks(), "A deadlock after the deploy") {
				t.Errorf("update lacks the LLM hypothesis: %s", updates[0].blocks())
			}
		})
	}
}

func TestMirrorWithoutChannelPostsNothing(t *testing.T) {
	h := newHarness(t, "embedded")
	ctx := context.Background()
	if err := h.store.PutService(ctx, noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true,
		Mode: noctuary.ModeAction}); err != nil {
		t.Fatal(err)
	}
	_ = h.bot.MirrorTriage(ctx, triageFixture("tri-1", onset))
	h.drain()
	if len(h.slack.calls) != 0 {
		t.Errorf("Slack was called: %+v", h.slack.calls)
	}
	if !strings.Contains(h.logs.String(), "no slack_channel") {
		t.Error("the skip was not logged")
	}
}

func TestMirrorIncidentStatus(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	ctx := context.Background()
	_ = h.bot.MirrorTriage(ctx, triageFixture("tri-1", onset))
	h.drain()
	inc := triageFixture("tri-1", onset).Incident
	ack := noctuary.WebhookEvent{ID: "ev1", Type: noctuary.EventIncidentAcknowledged, OccurredAt: onset.Add(379 * time.Second),
		Agent: &noctuary.Reference{ID: "PUSER", Summary: "Ann Oncall"}, Incident: inc}
	ack.Incident.Status = "acknowledged"
	st, err := h.store.UpdateIncident(ctx, ack, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	_ = h.bot.MirrorIncident(ctx, st)
	_ = h.bot.MirrorIncident(ctx, st) // a repeat (queued before the first ran) makes no Slack call
	h.drain()
	_ = h.bot.MirrorIncident(ctx, st) // nor one queued after: Slack shows st already
	h.drain()
	res := ack
	res.ID, res.Type, res.OccurredAt, res.Incident.Status = "ev2", noctuary.EventIncidentResolved, onset.Add(time.Hour), "resolved"
	st, _ = h.store.UpdateIncident(ctx, res, "checkout")
	_ = h.bot.MirrorIncident(ctx, st)
	h.drain()

	updates := h.slack.callsTo("chat.update")
	if len(updates) != 2 {
		t.Fatalf("%d updates, want 2", len(updates))
	}
	if b := updates[0].blocks(); !strings.Contains(b, "Acknowledged by Ann Oncall") || !strings.Contains(b, "noctuary_approve") {
		t.Errorf("acknowledged message: %s", b)
	}
	if b := updates[1].blocks(); !strings.Contains(b, "Resolved") || strings.Contains(b, "noctuary_approve") {
		t.Errorf("resolved message: %s", b)
	}
	thread := h.slack.thread()
	if len(thread) != 2 || !strings.HasPrefix(thread[0], "Acknowledged by Ann Oncall") || thread[1] != "Resolved." {
		t.Errorf("thread = %q", thread)
	}
}

func TestMirrorIncidentWithoutMessage(t *testing.T) {
	h := newHarness(t, "embedded")
	_ = h.bot.MirrorIncident(context.Background(), noctuary.IncidentState{Incident: noctuary.Incident{ID: "Q9"}})
	h.drain()
	if len(h.slack.calls) != 0 {
		t.Errorf("Slack was called: %+v", h.slack.calls)
	}
}

func TestMirrorRateLimitedWaitsRetryAfter(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	h.slack.fail["chat.postMessage"] = []string{"429", "429"}
	_ = h.bot.MirrorTriage(context.Background(), triageFixture("tri-1", onset))
	h.drain()
	if n := len(h.slack.messages()); n != 3 {
		t.Errorf("%d postMessage calls, want 3 (two 429s, then success)", n)
	}
	if !slices.Equal(h.waits, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waits = %v, want Retry-After twice", h.waits)
	}
	rec, _ := h.store.SlackMessage(context.Background(), "Q1ABCDEF")
	if rec["ts"] == "" {
		t.Error("the posted message was not recorded")
	}
}

func TestMirrorSlackErrors(t *testing.T) {
	tests := []struct {
		name     string
		failures []string
		posts    int // postMessage calls
		dead     bool
	}{
		{"permanent error dead-letters at once", []string{"channel_not_found"}, 1, true},
		{"transient error is retried", []string{"internal_error"}, 2, false},
		{"retries are bounded", slices.Repeat([]string{"internal_error"}, maxDeliveries+1), maxDeliveries, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "embedded")
			h.bot.minIdle = 0 // a failed job is reclaimable at once
			h.putService(noctuary.ModeAction)
			h.slack.fail["chat.postMessage"] = tt.failures
			_ = h.bot.MirrorTriage(context.Background(), triageFixture("tri-1", onset))
			h.drain()
			if n := len(h.slack.messages()); n != tt.posts {
				t.Errorf("%d posts, want %d", n, tt.posts)
			}
			if dead := strings.Contains(h.logs.String(), "dead-lettered"); dead != tt.dead {
				t.Errorf("dead-lettered = %t, want %t", dead, tt.dead)
			}
		})
	}
}

func TestPausedMessageHasNoActionButtons(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	pauseCheckout(h)
	_ = h.bot.MirrorTriage(context.Background(), triageFixture("tri-1", onset))
	h.drain()
	b := h.slack.messages()[0].blocks()
	if strings.Contains(b, "noctuary_approve") || strings.Contains(b, "noctuary_ack") || !strings.Contains(b, "Paused") {
		t.Errorf("paused message: %s", b)
	}
}

// The worker mirrors one triage twice, under one ID: the heuristic result at
// once, then the LLM's. The LLM's may recommend another action, and a late
// retry of the heuristic job must not bring the older result back.
func TestMirrorLLMResultOfTheSameTriage(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	ctx := context.Background()
	heuristic := triageFixture("tri-1", onset)
	_ = h.bot.MirrorTriage(ctx, heuristic)
	h.drain()
	llm := heuristic
	llm.Engine, llm.Hypothesis = "gemini-2.5-flash", "The page cache holds stale prices"
	llm.Recommendation = noctuary.Recommendation{Text: "Flush the page cache", Action: "flush-cache"}
	_ = h.bot.MirrorTriage(ctx, llm)
	_ = h.bot.MirrorTriage(ctx, heuristic) // a retried heuristic job, after the LLM's
	h.drain()
	updates := h.slack.callsTo("chat.update")
	if len(updates) != 1 {
		t.Fatalf("%d updates, want 1", len(updates))
	}
	b := updates[0].blocks()
	if !strings.Contains(b, "stale prices") || !strings.Contains(b, "noctuary_apply") || strings.Contains(b, "noctuary_approve") {
		t.Errorf("the update does not offer the LLM's recommendation: %s", b)
	}
	h.offered(t, "tri-1", "flush-cache", false)
	if rec, _ := h.bot.loadRecord(ctx, "Q1ABCDEF"); rec.Triage.Engine != "gemini-2.5-flash" {
		t.Errorf("record = %+v", rec)
	}
}

// offered checks that the incident's message offers one pending approval
// of the triage's action, and returns the offers.
func (h *harness) offered(t *testing.T, triageID, action string, destructive bool) []blocks.Offer {
	t.Helper()
	ctx := context.Background()
	rec, err := h.bot.loadRecord(ctx, "Q1ABCDEF")
	if err != nil || len(rec.Offers) != 1 {
		t.Fatalf("offers = %+v, %v", rec.Offers, err)
	}
	o := rec.Offers[0]
	a, err := h.store.Approval(ctx, o.ApprovalID)
	if err != nil || a.State != noctuary.ApprovalPending || a.TriageID != triageID || a.Action != action ||
		o.Action != action || o.Destructive != destructive || a.Destructive != destructive {
		t.Fatalf("offer %+v of approval %+v (%v)", o, a, err)
	}
	return rec.Offers
}

// The worker mirrors a triage whose note PagerDuty refuses once a failed
// attempt (the LLM's hypothesis, the line saying the note is not posted),
// then the delivered note (the line gone). Jobs that run late or are
// retried (Slack failed them) must not bring an earlier state back: not the
// heuristic's first look, nor an earlier failure, nor a failure once the
// note is posted.
func TestMirrorNoteFailureThenPosted(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	ctx := context.Background()
	heuristic := triageFixture("tri-1", onset)
	failed := func(delivery int64, at time.Duration) noctuary.Triage {
		tr := heuristic
		tr.Engine, tr.Hypothesis = "gemini-2.5-flash", "The page cache holds stale prices"
		tr.Note, tr.Undelivered = "Noctuary Context\n…", true
		tr.NoteFailure = &noctuary.NoteFailure{Code: noctuary.EForbidden, Reason: "PagerDuty refused to add a note (403).",
			At: onset.Add(at), Next: noctuary.NoteRedelivered, Delivery: delivery, Deliveries: 5}
		return tr
	}
	first, second := failed(1, 10*time.Second), failed(2, 20*time.Second)
	posted := second
	posted.Undelivered, posted.NoteFailure, posted.NoteID = false, nil, "PNOTE1"
	shown := func() string {
		all := append(h.slack.messages(), h.slack.callsTo("chat.update")...)
		return all[len(all)-1].blocks()
	}

	for _, step := range []struct {
		name      string
		mirror    []noctuary.Triage
		want, not string
	}{
		{"first look", []noctuary.Triage{heuristic}, "Deploy sha=a4f2c1", "not posted"},
		{"refused", []noctuary.Triage{first}, "(attempt 1 of 5, 02:14:10 UTC)", "Deploy sha=a4f2c1"},
		{"refused again, earlier jobs late", []noctuary.Triage{second, first, heuristic}, "(attempt 2 of 5", "attempt 1 of 5"},
		{"posted, failures late", []noctuary.Triage{posted, second, first, heuristic}, "stale prices", "not posted"},
	} {
		for _, tr := range step.mirror {
			if err := h.bot.MirrorTriage(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		h.drain()
		if b := shown(); !strings.Contains(b, step.want) || strings.Contains(b, step.not) {
			t.Errorf("%s: the message shows\n%s\nwant %q, not %q", step.name, b, step.want, step.not)
		}
	}
	if n := len(h.slack.messages()); n != 1 {
		t.Errorf("%d messages, want 1 updated in place", n)
	}
}

package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestThreadFollowsTheIncidentsCourse (real redis-server): the thread says
// the acknowledgement and the resolution of each episode, each reopen, and
// where a merged incident went; the note's own incident.annotated makes no
// Slack call; a job replayed after its lines were said says none twice.
func TestThreadFollowsTheIncidentsCourse(t *testing.T) {
	h := newHarness(t, "redis")
	h.post(noctuary.Service{Key: "checkout", Environment: "prod", Mode: noctuary.ModeAction, SlackChannel: "C0CHECKOUT"})
	ctx := context.Background()
	inc := triageFixture("tri-1", onset).Incident
	apply := func(id, typ, status, by string, at time.Time, edit ...func(*noctuary.WebhookEvent)) noctuary.IncidentState {
		t.Helper()
		ev := noctuary.WebhookEvent{ID: id, Type: typ, Integration: "prod", OccurredAt: at, Incident: inc}
		ev.Incident.Status = status
		if by != "" {
			ev.Agent = &noctuary.Reference{ID: "P" + by, Summary: by}
		}
		for _, f := range edit {
			f(&ev)
		}
		st, err := h.store.UpdateIncident(ctx, ev, "checkout")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	mirror := func(st noctuary.IncidentState) {
		t.Helper()
		if err := h.bot.MirrorIncident(ctx, st); err != nil {
			t.Fatal(err)
		}
		h.drain()
	}
	calls := func() int { return len(h.slack.callsTo("chat.update")) + len(h.slack.callsTo("chat.postMessage")) }

	mirror(apply("ev-ack", noctuary.EventIncidentAcknowledged, "acknowledged", "Alice", onset.Add(379*time.Second)))
	before := calls()
	mirror(apply("ev-note", noctuary.EventIncidentAnnotated, "", "Noctuary", onset.Add(380*time.Second), func(ev *noctuary.WebhookEvent) {
		ev.Incident = noctuary.Incident{ID: inc.ID, Title: inc.Title, HTMLURL: inc.HTMLURL}
		ev.NoteContent = "Noctuary Context\nHypothesis: …"
	}))
	if n := calls() - before; n != 0 {
		t.Errorf("the note's incident.annotated made %d Slack calls, want 0", n)
	}
	mirror(apply("ev-res", noctuary.EventIncidentResolved, "resolved", "Alice", onset.Add(time.Hour)))

	reopened := onset.Add(2 * time.Hour)
	apply("ev-reopen", noctuary.EventIncidentReopened, "triggered", "Bob", reopened, func(ev *noctuary.WebhookEvent) { ev.Incident.ReopenedAt = &reopened })
	tri2 := triageFixture("tri-2", reopened)
	tri2.Onset = reopened
	if err := h.bot.MirrorTriage(ctx, tri2); err != nil {
		t.Fatal(err)
	}
	h.drain()
	mirror(apply("ev-ack-2", noctuary.EventIncidentAcknowledged, "acknowledged", "Bob", reopened.Add(time.Minute)))
	merged := apply("ev-merge", noctuary.EventIncidentResolved, "resolved", "Bob", reopened.Add(5*time.Minute), func(ev *noctuary.WebhookEvent) {
		ev.Incident.MergedInto = noctuary.Reference{ID: "Q2TARGET", Summary: "[#4243] Checkout down", HTMLURL: "https://acme.pagerduty.com/incidents/Q2TARGET"}
	})
	mirror(merged)

	want := []string{"Acknowledged by Alice, 6m19s after trigger.", "Resolved.", "Reopened by Bob.",
		"Acknowledged by Bob, 1m0s after reopen.", "Merged into <https://acme.pagerduty.com/incidents/Q2TARGET|[#4243] Checkout down>."}
	if got := h.slack.thread(); !slices.Equal(got, want) {
		t.Errorf("thread =\n%q\nwant\n%q", got, want)
	}

	// The last job replayed as if its record had not kept what it showed
	// (a retry after the thread was told): the message is updated, the
	// thread is told nothing twice.
	if err := h.store.SetSlackMessage(ctx, inc.ID, map[string]string{"shown": ""}); err != nil {
		t.Fatal(err)
	}
	updates := len(h.slack.callsTo("chat.update"))
	mirror(merged)
	if got := h.slack.thread(); !slices.Equal(got, want) || len(h.slack.callsTo("chat.update")) != updates+1 {
		t.Errorf("after the replay: %d more updates, thread =\n%q", len(h.slack.callsTo("chat.update"))-updates, got)
	}
}

// TestChangeDuringAnUpdateIsShownNext (real redis-server): the incident is
// resolved while the acknowledgement's chat.update is on its way. The
// resolution's own mirror must still update the message: what the record
// says Slack shows is the state read before the update, not the newer one.
func TestChangeDuringAnUpdateIsShownNext(t *testing.T) {
	h := newHarness(t, "redis")
	h.post(noctuary.Service{Key: "checkout", Environment: "prod", Mode: noctuary.ModeAction, SlackChannel: "C0CHECKOUT"})
	ctx := context.Background()
	ev := noctuary.WebhookEvent{ID: "ev-ack", Type: noctuary.EventIncidentAcknowledged, Integration: "prod",
		OccurredAt: onset.Add(time.Minute), Incident: triageFixture("tri-1", onset).Incident}
	ev.Incident.Status = "acknowledged"
	acked, err := h.store.UpdateIncident(ctx, ev, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.bot.MirrorIncident(ctx, acked); err != nil {
		t.Fatal(err)
	}
	arrived, release := h.slack.holdCalls("chat.update")
	done := h.stepAsync("w1")
	<-arrived
	ev.ID, ev.Type, ev.OccurredAt, ev.Incident.Status = "ev-res", noctuary.EventIncidentResolved, onset.Add(time.Hour), "resolved"
	resolved, err := h.store.UpdateIncident(ctx, ev, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := h.bot.MirrorIncident(ctx, resolved); err != nil {
		t.Fatal(err)
	}
	h.drain()
	updates := h.slack.callsTo("chat.update")
	if len(updates) != 2 || !strings.Contains(updates[1].blocks(), "Resolved") {
		t.Fatalf("%d updates, the last: %s; want the resolution shown", len(updates), updates[len(updates)-1].blocks())
	}
}

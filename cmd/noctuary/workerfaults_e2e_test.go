package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
)

// triggered is an incident.triggered event of checkout, as ingest queues it.
func triggered(incidentID string, created time.Time) noctuary.WebhookEvent {
	return noctuary.WebhookEvent{ID: "EV-" + incidentID, Type: noctuary.EventIncidentTriggered,
		Integration: noctuary.DefaultIntegration, OccurredAt: created, ReceivedAt: time.Now().UTC(),
		Incident: noctuary.Incident{ID: incidentID, Title: "checkout down", Status: "triggered", CreatedAt: created,
			Service: noctuary.Reference{ID: "PCHECKOUT"}}}
}

// stoppedEnv is an env whose Main is stopped (e.start starts it again),
// with a store of its own on the env's Redis to stage entries with.
func stoppedEnv(t *testing.T, claimIdle time.Duration) (*env, *store.Store) {
	t.Helper()
	e := newEnv(t, func(c *config.Config) { c.ClaimIdle = claimIdle })
	if err := e.main.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), e.redis.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return e, s
}

// died makes the n queued entries look taken a minute ago, deliveries
// times, by replicas that died with them.
func (e *env) died(s *store.Store, n int, deliveries int) {
	e.t.Helper()
	ctx := context.Background()
	taken, err := s.ReadWebhooks(ctx, "died-a-minute-ago", n, 0)
	if err != nil || len(taken) != n {
		e.t.Fatalf("the dying replica took %d entries (%v)", len(taken), err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: e.redis.Addr})
	defer rdb.Close()
	for _, d := range taken {
		if err := rdb.Do(ctx, "XCLAIM", "noctuary:webhooks", "triage", "died-a-minute-ago", 0, d.StreamID,
			"IDLE", 60000, "RETRYCOUNT", deliveries).Err(); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestEntryThatKilledTheProcessIsDeadLettered: an entry whose handling took
// its process down on each of its 5 deliveries (delivery counts are kept by
// Redis before handling) is dead-lettered on the next, without being handled
// again, and the replica goes on with the next incident.
func TestEntryThatKilledTheProcessIsDeadLettered(t *testing.T) {
	t.Parallel()
	e, s := stoppedEnv(t, 500*time.Millisecond)
	ctx := context.Background()
	if _, err := s.EnqueueWebhook(ctx, triggered("QKILLER", onsetAt())); err != nil {
		t.Fatal(err)
	}
	e.died(s, 1, 5)
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr
	e.sendWebhook(webhook("EV-AFTER", noctuary.EventIncidentTriggered, "QAFTER", "PCHECKOUT", onsetAt()))
	e.waitNotes("QAFTER", 1, 5*time.Second)
	e.waitPendingZero(5 * time.Second)
	dead, err := e.main.Store.DeadWebhooks(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].Event.Incident.ID != "QKILLER" || !strings.Contains(dead[0].Reason, "never finished") {
		t.Fatalf("dead letters %+v (%v), want QKILLER's, saying its deliveries never finished", dead, err)
	}
	if n := len(e.pd.Notes("QKILLER")); n != 0 {
		t.Fatalf("the entry was handled again: %d notes", n)
	}
}

// TestLockedEntriesDoNotHoldUpOthers: a replica died a minute ago holding
// 16 webhook entries; the incidents of the first 8 are being triaged by
// another replica (their locks are held). The other 8 get their notes within
// 5 s, and the locked ones theirs once the locks go, none dead-lettered.
func TestLockedEntriesDoNotHoldUpOthers(t *testing.T) {
	t.Parallel()
	e, s := stoppedEnv(t, 6*time.Second)
	ctx := context.Background()
	created := onsetAt()
	var locked, free []string
	var releases []func()
	for i := range 16 {
		id := "QHOL" + strconv.Itoa(i)
		if _, err := s.EnqueueWebhook(ctx, triggered(id, created)); err != nil {
			t.Fatal(err)
		}
		if i >= 8 {
			free = append(free, id)
			continue
		}
		locked = append(locked, id)
		_, release, ok, err := s.LockTriage(ctx, agent.TriageID(noctuary.DefaultIntegration, id, created), time.Minute)
		if !ok || err != nil {
			t.Fatalf("lock %s: %v %v", id, ok, err)
		}
		releases = append(releases, release)
	}
	e.died(s, 16, 1)

	e.main = e.start(e.cfg)
	for _, id := range free {
		e.waitNotes(id, 1, 5*time.Second)
	}
	for _, id := range locked {
		if n := len(e.pd.Notes(id)); n != 0 {
			t.Fatalf("%s got %d notes while another replica held its lock", id, n)
		}
	}
	for _, release := range releases {
		release()
	}
	for _, id := range locked {
		e.waitNotes(id, 1, 10*time.Second)
	}
	e.waitPendingZero(5 * time.Second)
	if lens, err := e.main.Store.StreamLengths(ctx); err != nil || lens["webhooks_dead"] != 0 {
		t.Fatalf("stream lengths %v (%v): nothing may be dead-lettered", lens, err)
	}
	if n := len(e.pd.Notes("")); n != 16 {
		t.Fatalf("%d notes, want one per incident", n)
	}
}

// calls counts the Web API calls the fake Slack received.
func (f *fakeSlack) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// TestRetryAfterIsKept: PagerDuty answers 429 with a Retry-After longer
// than a note may take, so the entry goes back to the queue, and the
// incident's Slack message says once that the note is not posted and is
// retried. Until then nothing more is sent to PagerDuty or Slack (watched
// for 12 s, or 5 s of an hour); then the saved note is posted, without
// triaging again, and the message is updated once more, without the line.
func TestRetryAfterIsKept(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retryAfter, watch time.Duration
	}{{12 * time.Second, 12 * time.Second}, {time.Hour, 5 * time.Second}} {
		t.Run(tc.retryAfter.String(), func(t *testing.T) { testRetryAfter(t, tc.retryAfter, tc.watch) })
	}
}

func testRetryAfter(t *testing.T, retryAfter, watch time.Duration) {
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	at := onsetAt()
	e.sendEvents(seedEvents(at, "ra-")...)
	before := e.pd.Requests()
	e.pd.FailNext(pdtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: strconv.Itoa(int(retryAfter.Seconds()))})
	e.sendWebhook(webhook("EV-RA", noctuary.EventIncidentTriggered, "QRA", "PCHECKOUT", at))
	waitUntil(t, "the 429", 10*time.Second, func() bool { return e.pd.Requests() > before })
	refused := time.Now()
	waitUntil(t, "the Slack mirror", 5*time.Second, func() bool { return len(fake.posts()) == 1 })
	shown := fake.shownWhen(t, "the note not posted", has(notPostedLine))
	mustContain(t, shown, "PagerDuty did not accept the request", "Retried automatically until PagerDuty accepts it.")
	pdRequests, slackCalls := e.pd.Requests(), fake.callCount()
	for time.Since(refused) < watch-500*time.Millisecond {
		if n := e.pd.Requests(); n != pdRequests {
			t.Fatalf("%d PagerDuty requests %s after a 429 with Retry-After: %s", n-pdRequests, time.Since(refused).Round(time.Millisecond), retryAfter)
		}
		if n := fake.callCount(); n != slackCalls {
			t.Fatalf("%d Slack calls %s after the 429, want none", n-slackCalls, time.Since(refused).Round(time.Millisecond))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if watch < retryAfter {
		return
	}
	e.waitNotes("QRA", 1, 5*time.Second)
	e.waitPendingZero(5 * time.Second)
	fake.shownWhen(t, "the line gone", hasNot(notPostedLine))
	if n := fake.callCount(); n != slackCalls+1 || len(fake.posts()) != 1 {
		t.Errorf("%d Slack calls for the retry of the post, want 1 (the line gone; the triage is reused)", n-slackCalls)
	}
	st, err := e.main.Store.IncidentState(context.Background(), "QRA")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := e.main.Store.Triage(context.Background(), st.TriageID)
	if err != nil || tr.Undelivered || tr.NoteID == "" {
		t.Fatalf("triage after the retry: %+v, %v", tr, err)
	}
}

// waitUntil polls cond every 20 ms for up to within.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

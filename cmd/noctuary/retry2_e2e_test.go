package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// TestRetryAfterHoldsTheWholeKey: PagerDuty's 429 limits the API key, not
// one incident. After one 429 with Retry-After, neither replica sends
// PagerDuty any request for any incident until it has passed: exactly one
// refused request in the window, no Slack chat.update in it, and the notes
// of all three incidents land after it.
func TestRetryAfterHoldsTheWholeKey(t *testing.T) {
	t.Parallel()
	const retryAfter = 9 * time.Second
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	e.start(e.cfg) // a second replica
	at := onsetAt()
	e.sendEvents(seedEvents(at, "rk-")...)
	before := e.pd.Requests()
	e.pd.FailNext(pdtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: strconv.Itoa(int(retryAfter / time.Second))})
	e.sendWebhook(webhook("EV-RK1", noctuary.EventIncidentTriggered, "QRK1", "PCHECKOUT", at))
	// refused is the last moment the 429 had not been answered yet: the
	// Retry-After runs from a moment after it, so every bound below holds
	// however late the poll sees the 429.
	refused := time.Now()
	waitUntil(t, "the 429", 10*time.Second, func() bool {
		now := time.Now()
		if e.pd.Requests() > before {
			return true
		}
		refused = now
		return false
	})
	// The baseline is the refused request alone, taken before anything else
	// is awaited, so that a retry at any point of the window is seen.
	baseline := before + 1
	e.sendWebhook(webhook("EV-RK2", noctuary.EventIncidentTriggered, "QRK2", "PCHECKOUT", at))
	e.sendWebhook(webhook("EV-RK3", noctuary.EventIncidentTriggered, "QRK3", "PCHECKOUT", at))
	updates := len(fake.callsTo("chat.update"))
	for time.Since(refused) < retryAfter-500*time.Millisecond {
		if n := e.pd.Requests(); n != baseline {
			t.Fatalf("%d PagerDuty requests in the %s after a 429 with Retry-After: %s, want exactly the refused one",
				n-before, time.Since(refused).Round(time.Millisecond), retryAfter)
		}
		// An attempt that ends within the wait (a loaded machine) says so
		// in Slack; nothing else is updated.
		for _, c := range fake.callsTo("chat.update")[updates:] {
			if !strings.Contains(c.Form.Get("blocks"), notPostedLine) {
				t.Fatalf("a Slack chat.update %s after the 429 that is not the note-not-posted line: %s",
					time.Since(refused).Round(time.Millisecond), c.Form.Get("blocks"))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(fake.posts()); n != 3 {
		t.Errorf("%d Slack messages during the wait, want one per incident (mirrored before posting)", n)
	}
	for _, id := range []string{"QRK1", "QRK2", "QRK3"} {
		if n := len(e.pd.Notes(id)); n != 0 {
			t.Fatalf("%s got %d notes within the Retry-After", id, n)
		}
	}
	for _, id := range []string{"QRK1", "QRK2", "QRK3"} {
		e.waitNotes(id, 1, 15*time.Second)
	}
	if d := time.Since(refused); d < retryAfter {
		t.Fatalf("the notes landed %s after the 429, within its Retry-After %s", d, retryAfter)
	}
	e.waitPendingZero(10 * time.Second)
	if n := len(e.pd.Notes("")); n != 3 {
		t.Errorf("%d notes, want one per incident", n)
	}
}

package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// statusWebhook is webhook for an incident that moved to status by
// eventType (acknowledged, resolved).
func statusWebhook(eventID, eventType, status, incidentID string, created time.Time) []byte {
	body := webhook(eventID, eventType, incidentID, "PCHECKOUT", created)
	return []byte(strings.Replace(string(body), `"status":"triggered"`, `"status":"`+status+`"`, 1))
}

// TestSlackOutageNotesOnTimeMirrorCatchesUp: Slack answers 500 to every
// Web API call for 12 s, scaled down from "a minute" with
// NOCTUARY_CLAIM_IDLE 5 s (a failed Slack job is retried one claim idle
// later and dead-lettered on its 5th delivery, so the test's outage is, in
// claim idles, a 3.6-minute outage under the default 90 s). Meanwhile three
// incidents are triggered and the first is acknowledged, then resolved.
// Each PagerDuty note is posted on time, as if Slack were up. Once Slack is
// back, within two claim idles, each incident has exactly one message in
// its service's channel, and the first one's thread says, after the
// message and in this order, that it was acknowledged, then resolved, and
// holds the postmortem draft once. Nothing is dead-lettered.
func TestSlackOutageNotesOnTimeMirrorCatchesUp(t *testing.T) {
	t.Parallel()
	const claimIdle, outage, onTime = 5 * time.Second, 12 * time.Second, 5 * time.Second
	fake := newFakeSlack(t)
	e := newEnv(t, func(c *config.Config) {
		withSlack(fake)(c)
		c.ClaimIdle = claimIdle
	})
	at := onsetAt()
	e.sendEvents(seedEvents(at, "so-")...)
	fake.setDown(true)
	down := time.Now()
	ids := []string{"QSO1", "QSO2", "QSO3"}
	for _, id := range ids {
		sent := time.Now()
		e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
		note := e.waitNotes(id, 1, onTime)[0]
		if took := note.CreatedAt.Sub(sent); took > onTime {
			t.Errorf("%s noted %s after its webhook while Slack was down, want within %s", id, took, onTime)
		}
	}
	e.sendWebhook(statusWebhook("EV-QSO1-ACK", noctuary.EventIncidentAcknowledged, "acknowledged", ids[0], at))
	e.sendWebhook(statusWebhook("EV-QSO1-RES", noctuary.EventIncidentResolved, "resolved", ids[0], at))
	e.waitPendingZero(5 * time.Second)
	time.Sleep(time.Until(down.Add(outage)))
	fake.setDown(false)
	back := time.Now()

	// Each incident's message, and three replies in the first one's thread
	// (acknowledged, resolved, the postmortem draft).
	waitUntil(t, "the mirror's catch-up", 2*claimIdle+3*time.Second, func() bool { return len(fake.posts()) >= len(ids)+3 })
	t.Logf("Slack caught up %s after it came back", time.Since(back).Round(100*time.Millisecond))
	time.Sleep(time.Second) // anything more would come now
	// The fake answers the n-th call it records with ts "1700000000.00<n>".
	calls := fake.allCalls()
	tsOf := map[string]string{} // incident -> ts of its message
	var order []string
	for n, c := range calls {
		if c.Method != "chat.postMessage" || c.Form.Get("thread_ts") != "" {
			continue
		}
		if ch := c.Form.Get("channel"); ch != "C0CHECKOUT" {
			t.Errorf("a message in %q, want C0CHECKOUT", ch)
		}
		for _, id := range ids {
			if strings.Contains(c.Form.Get("blocks"), id) {
				if _, dup := tsOf[id]; dup {
					t.Errorf("%s has two messages", id)
				}
				tsOf[id] = "1700000000.00" + strconv.Itoa(n+1)
				order = append(order, id)
			}
		}
	}
	t.Logf("messages in the channel in the order %v", order)
	if len(tsOf) != len(ids) {
		t.Errorf("messages of %v, want one for each of %v", order, ids)
	}
	var thread, drafts []string
	for _, c := range calls {
		if ts := c.Form.Get("thread_ts"); ts != "" {
			if ts != tsOf[ids[0]] {
				t.Errorf("a reply %q in thread %q, want only in %s's (%q)", c.Form.Get("text"), ts, ids[0], tsOf[ids[0]])
			}
			// The postmortem draft is a job of its own, queued on
			// resolution like "Resolved.": it may come before or after it.
			if text := c.Form.Get("text"); strings.HasPrefix(text, "Postmortem draft of incident") {
				drafts = append(drafts, text)
			} else {
				thread = append(thread, text)
			}
		}
	}
	if len(thread) != 2 || !strings.HasPrefix(thread[0], "Acknowledged") || thread[1] != "Resolved." {
		t.Errorf("%s's thread says %q, want Acknowledged…, then Resolved.", ids[0], thread)
	}
	if len(drafts) != 1 {
		t.Errorf("%s's thread holds %d postmortem drafts %q, want 1", ids[0], len(drafts), drafts)
	}
	dead, err := e.redisClient().XLen(context.Background(), "noctuary:v1:slack:jobs:dead").Result()
	if err != nil || dead != 0 {
		t.Errorf("%d Slack jobs dead-lettered (%v), want none", dead, err)
	}
}

// allCalls returns every Web API call the fake recorded, in order.
func (f *fakeSlack) allCalls() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

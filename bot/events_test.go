package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// eventIDs numbers Events API deliveries.
var eventIDs atomic.Int64

// appMention is Slack's event_callback for "@noctuary why?" by user in
// channel, in the thread of threadTS ("" for none), with its event ID.
func appMention(eventID, channel, threadTS, user, botID string) string {
	inner := map[string]any{"type": "app_mention", "user": user, "text": "<@U0NOCTUARY> why?", "channel": channel,
		"ts": fmt.Sprintf("1767261400.%06d", eventIDs.Add(1)), "event_ts": "1767261400.000100"}
	if threadTS != "" {
		inner["thread_ts"] = threadTS
	}
	if botID != "" {
		inner["bot_id"] = botID
	}
	raw, _ := json.Marshal(map[string]any{"token": "verification-token-unused", "team_id": "T0ACME", "api_app_id": "A0NOCTUARY",
		"type": "event_callback", "event_id": eventID, "event_time": 1767261400, "event": inner})
	return string(raw)
}

// event posts body to the Events API endpoint, signed now.
func (h *harness) event(body string) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.serve(h.bot.EventsHandler(), signedBody("/slack/events", "application/json", body, signingSecret, time.Now()))
}

func TestEventsURLVerification(t *testing.T) {
	h := newHarness(t, "embedded")
	body := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	w := h.event(body)
	var got map[string]string
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %s", w.Code, w.Body)
	}
	unsigned := signedBody("/slack/events", "application/json", body, "another-secret", time.Now())
	if w := h.serve(h.bot.EventsHandler(), unsigned); w.Code != http.StatusUnauthorized {
		t.Errorf("a request signed with another secret: %d, want 401", w.Code)
	}
	if w := h.event(`{"type":"event_callback","event":`); w.Code != http.StatusBadRequest {
		t.Errorf("malformed: %d %s, want 400", w.Code, w.Body)
	}
}

func TestAppMentionAnswersWithTheReasoning(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	rec, err := h.bot.loadRecord(context.Background(), "Q1ABCDEF")
	if err != nil || rec.TS == "" {
		t.Fatalf("record %+v, %v", rec, err)
	}
	body := appMention("Ev0MENTION1", rec.Channel, rec.TS, "U0BOBBOB1", "")
	if w := h.event(body); w.Code != http.StatusOK {
		t.Fatalf("app_mention: %d %s", w.Code, w.Body)
	}
	// Slack retries a delivery it thinks failed: same event ID, new signature.
	if w := h.event(body); w.Code != http.StatusOK {
		t.Fatalf("retried app_mention: %d %s", w.Code, w.Body)
	}
	h.drain()
	replies := h.slack.thread()
	if len(replies) != 1 {
		t.Fatalf("thread replies %q; want one answer", replies)
	}
	for _, want := range []string{"<@U0BOBBOB1>", "*Hypothesis:* Deploy sha=a4f2c1 rolled out before onset (confidence: 94%)",
		"*Why:* 1 signal(s) weighed", "*deploy* (argocd", "checkout rolled out sha=a4f2c1", "*Recommended action:* Rollback to sha=f8b3e22", "triage tri-1"} {
		if !strings.Contains(replies[0], want) {
			t.Errorf("answer %q lacks %q", replies[0], want)
		}
	}
	call := h.slack.callsTo("chat.postMessage")[1]
	if call.Form.Get("thread_ts") != rec.TS || call.Form.Get("channel") != rec.Channel {
		t.Errorf("answered in %s/%s, want the incident's thread %s/%s", call.Form.Get("channel"), call.Form.Get("thread_ts"), rec.Channel, rec.TS)
	}
}

func TestAppMentionOutsideAnIncidentThread(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	for _, tc := range []struct{ name, thread string }{{"no thread", ""}, {"another thread", "1767000000.000001"}} {
		if w := h.event(appMention("Ev0"+tc.name, "C0CHECKOUT", tc.thread, "U0BOBBOB1", "")); w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
		}
	}
	// A bot's mention is never answered (two bots could talk for ever).
	if w := h.event(appMention("Ev0BOT", "C0CHECKOUT", "", "U0OTHERBOT", "B0OTHER")); w.Code != http.StatusOK {
		t.Fatalf("bot mention: %d %s", w.Code, w.Body)
	}
	h.drain()
	replies := h.slack.thread()
	if len(replies) != 2 || replies[0] != notAnIncidentThread || replies[1] != notAnIncidentThread {
		t.Errorf("replies %q; want the hint twice", replies)
	}
}

package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/noctuary/noctuary/bot/blocks"
)

// signedSlack returns the headers Slack sends with body at now.
func signedSlack(body string) map[string]string {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSigningSecret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + hex.EncodeToString(mac.Sum(nil))}
}

// TestSlackReplayHasNoEffect: a signed request replayed within Slack's
// 5-minute window is answered 200 and does nothing, for slash commands and
// interactions alike.
func TestSlackReplayHasNoEffect(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	ctx := context.Background()

	pause := url.Values{"command": {"/noctuary"}, "text": {"pause checkout"}, "user_id": {"U0ADMIN"},
		"channel_id": {"C0OPS"}, "team_id": {"T1"}, "trigger_id": {"1.1.1"}}.Encode()
	headers := signedSlack(pause)
	if status, out := e.do("POST", "/slack/commands", []byte(pause), headers); status != http.StatusOK || out["text"] == nil {
		t.Fatalf("pause: %d %v", status, out)
	}
	if status, text := e.slashCommand("U0ADMIN", "resume checkout", testSigningSecret); status != http.StatusOK {
		t.Fatalf("resume: %d %s", status, text)
	}
	status, out := e.do("POST", "/slack/commands", []byte(pause), headers)
	if status != http.StatusOK || out != nil {
		t.Errorf("replayed pause answered %d %v, want 200 and an empty body", status, out)
	}
	if svc, err := e.main.Store.Service(ctx, "checkout"); err != nil || svc.Paused {
		t.Errorf("the replayed pause paused checkout again (paused=%v, %v)", svc.Paused, err)
	}

	// A click on Acknowledge of a read-only service is answered through
	// response_url: once, however often the request is replayed.
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "trigger_id": "2.2.2",
		"user": map[string]any{"id": "U0BOB", "name": "bob"}, "response_url": fake.URL + "/response/1",
		"actions": []map[string]any{{"action_id": blocks.ActionAcknowledge, "block_id": blocks.ActionsBlockPrefix + "QREPLAY", "value": "QREPLAY"}}})
	click := url.Values{"payload": {string(payload)}}.Encode()
	headers = signedSlack(click)
	for i := range 3 {
		if status, out := e.do("POST", "/slack/interactions", []byte(click), headers); status != http.StatusOK {
			t.Fatalf("click %d: %d %v", i, status, out)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(fake.callsTo("response/1")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a second job would have answered by now
	if n := len(fake.callsTo("response/1")); n != 1 {
		t.Errorf("the click was answered %d times, want once (replays have no effect)", n)
	}
}

package bot

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/store"
)

func TestRequestVerification(t *testing.T) {
	h := newHarness(t, "embedded")
	form := url.Values{"command": {SlashCommand}, "text": {"help"}, "user_id": {"U0BOB"}}
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"valid", func() *http.Request { return signed("/", form, signingSecret, time.Now()) }, http.StatusOK},
		{"wrong secret", func() *http.Request { return signed("/", form, "another-secret", time.Now()) }, http.StatusUnauthorized},
		{"stale timestamp", func() *http.Request { return signed("/", form, signingSecret, time.Now().Add(-6*time.Minute)) }, http.StatusUnauthorized},
		{"future timestamp", func() *http.Request { return signed("/", form, signingSecret, time.Now().Add(6*time.Minute)) }, http.StatusUnauthorized},
		{"missing headers", func() *http.Request {
			r := signed("/", form, signingSecret, time.Now())
			r.Header.Del("X-Slack-Signature")
			return r
		}, http.StatusUnauthorized},
		{"tampered body", func() *http.Request {
			r := signed("/", form, signingSecret, time.Now())
			r.Body = http.NoBody
			return r
		}, http.StatusUnauthorized},
		{"too large", func() *http.Request {
			return signed("/", url.Values{"text": {strings.Repeat("x", maxBody)}}, signingSecret, time.Now())
		}, http.StatusRequestEntityTooLarge},
	}
	for _, handler := range []http.Handler{h.bot.CommandsHandler(), h.bot.InteractionsHandler()} {
		for _, tt := range tests {
			w := h.serve(handler, tt.req())
			if w.Code != tt.status && !(tt.name == "valid" && w.Code == http.StatusBadRequest) {
				t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.status)
			}
			if w.Code == http.StatusUnauthorized {
				var e map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e["code"] != "unauthorized" || e["error"] == "" {
					t.Errorf("%s: body %s, want a JSON error with code unauthorized", tt.name, w.Body)
				}
			}
		}
	}
	if audit := h.audit(); len(audit) != 0 || len(h.slack.calls) != 0 {
		t.Errorf("rejected requests did work: audited %q, %d Slack calls", audit, len(h.slack.calls))
	}
}

func TestMalformedInteraction(t *testing.T) {
	h := newHarness(t, "embedded")
	w := h.serve(h.bot.InteractionsHandler(), signed("/", url.Values{"payload": {"{not json"}}, signingSecret, time.Now()))
	if w.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", w.Code)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	_, err := New(Options{AppToken: "xoxb-not-an-app-token"})
	for _, want := range []string{"NOCTUARY_SLACK_BOT_TOKEN", "NOCTUARY_SLACK_APP_TOKEN", "store"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v does not name %s", err, want)
		}
	}
	_, err = New(Options{BotToken: "xoxb-1", Store: (*store.Store)(nil), Admin: (*admin.Admin)(nil), Approvals: (*approvals.Service)(nil)})
	if err == nil || !strings.Contains(err.Error(), "NOCTUARY_SLACK_SIGNING_SECRET") {
		t.Errorf("New without a signing secret = %v", err)
	}
}

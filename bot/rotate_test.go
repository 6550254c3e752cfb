package bot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
)

func TestRotateOpensModal(t *testing.T) {
	h := newHarness(t, "embedded")
	if got := h.command(adminUser, "rotate prod"); got != "Paste the new PagerDuty key for `prod` in the form." {
		t.Errorf("reply = %q", got)
	}
	opens := h.slack.callsTo("views.open")
	if len(opens) != 1 {
		t.Fatalf("%d views.open calls, want 1", len(opens))
	}
	var req struct {
		TriggerID string                 `json:"trigger_id"`
		View      slack.ModalViewRequest `json:"view"`
	}
	if err := json.Unmarshal(opens[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	if req.TriggerID != "1337.42.abcd" || req.View.CallbackID != rotateCallback || req.View.PrivateMetadata != "prod" {
		t.Errorf("views.open got %+v", req)
	}
	h.command("U0BOB", "rotate prod")
	if len(h.slack.callsTo("views.open")) != 1 {
		t.Error("a non-admin opened the form")
	}
}

func TestRotateSubmission(t *testing.T) {
	tests := []struct {
		name, user, token string
		fail              error
		action            string // response_action
		errText           string
		calls             int
	}{
		{"accepted", adminUser, " u+NEWKEY123 ", nil, "update", "", 1},
		{"rejected by PagerDuty", adminUser, "u+BAD", noctuary.Errorf(noctuary.EInvalid, "PagerDuty rejected the new key (401)."),
			"errors", "PagerDuty rejected the new key (401).", 1},
		{"empty", adminUser, "  ", nil, "errors", "Paste the new key.", 0},
		{"not an admin", "U0BOB", "u+NEWKEY123", nil, "errors", "Only Noctuary's Slack admins may run `/noctuary rotate`", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "embedded")
			h.admin.err = tt.fail
			cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: tt.user}}
			cb.View = slack.View{CallbackID: rotateCallback, PrivateMetadata: "prod", State: &slack.ViewState{
				Values: map[string]map[string]slack.BlockAction{rotateBlock: {rotateInput: {Value: tt.token}}}}}
			w := h.interaction(cb)
			var resp struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if resp.Action != tt.action || !strings.HasPrefix(resp.Errors[rotateBlock], tt.errText) {
				t.Errorf("answer %s, want %s %q", w.Body, tt.action, tt.errText)
			}
			if calls := h.admin.list(); len(calls) != tt.calls ||
				(tt.calls == 1 && calls[0] != "RotateKey slack:"+tt.user+" prod "+strings.TrimSpace(tt.token)) {
				t.Errorf("admin calls %q", calls)
			}
			if strings.Contains(h.logs.String(), "NEWKEY") || strings.Contains(h.logs.String(), "u+BAD") {
				t.Error("the key was logged")
			}
		})
	}
}

package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
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
	if !strings.HasPrefix(req.TriggerID, "1337.") || req.View.CallbackID != rotateCallback || req.View.PrivateMetadata != "prod" {
		t.Errorf("views.open got %+v", req)
	}
	h.command("U0BOB", "rotate prod")
	if len(h.slack.callsTo("views.open")) != 1 {
		t.Error("a non-admin opened the form")
	}
}

// The submitted key is checked against PagerDuty (which accepts only
// u+NEWKEY123) before it replaces the configured one.
func TestRotateSubmission(t *testing.T) {
	tests := []struct {
		name, user, token string
		action            string // response_action
		errText           string
		audit             []string
		key               noctuary.Secret // in use afterwards
	}{
		{"accepted", adminUser, " u+NEWKEY123 ", "update", "",
			[]string{"U0ADMIN key.rotate  ok environment=prod integration=prod"}, "u+NEWKEY123"},
		{"rejected by PagerDuty", adminUser, "u+BAD", "errors",
			"PagerDuty did not accept the new key for environment prod; the current key stays in use",
			[]string{"U0ADMIN key.rotate  invalid environment=prod integration=prod"}, configKey},
		{"empty", adminUser, "  ", "errors", "Paste the new key.", nil, configKey},
		{"not an admin", "U0BOB", "u+NEWKEY123", "errors", "Only Noctuary's Slack admins may run `/noctuary rotate`", nil, configKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "embedded", pdAccepts("u+NEWKEY123"))
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
			if got := h.audit(); !slices.Equal(got, tt.audit) {
				t.Errorf("audit log %q, want %q", got, tt.audit)
			}
			if key, err := h.admin.Token(context.Background(), "prod"); key != tt.key || err != nil {
				t.Errorf("the key in use is not %s (%v)", tt.key, err)
			}
			pending := strings.Contains(h.command("U0BOB", "keys"), "a new key is pending until it has worked once")
			if pending != (tt.key != configKey) {
				t.Errorf("/noctuary keys shows a pending key: %t", pending)
			}
			if strings.Contains(h.logs.String(), "NEWKEY") || strings.Contains(h.logs.String(), "u+BAD") {
				t.Error("the key was logged")
			}
		})
	}
}

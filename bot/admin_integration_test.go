package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

// keyChecker accepts one PagerDuty key.
type keyChecker struct{ valid noctuary.Secret }

func (c keyChecker) CheckKey(_ context.Context, _ noctuary.Integration, token noctuary.Secret) error {
	if token != c.valid {
		return noctuary.Errorf(noctuary.EUnauthorized, "PagerDuty answered 401")
	}
	return nil
}

// withRealAdmin wires the real admin operations on the harness' store.
func withRealAdmin(h *harness) {
	h.bot.opt.Admin = admin.New(admin.Options{Store: h.store, Checker: keyChecker{valid: "u+NEWKEY"},
		MasterKey: bytes.Repeat([]byte{7}, admin.MasterKeySize)})
}

func TestCommandsThroughRealAdmin(t *testing.T) {
	h := newHarness(t, "redis")
	withRealAdmin(h)
	ctx := context.Background()
	steps := []struct{ user, text, want string }{
		{adminUser, "enable checkout <#C0123ABCD|checkout>", "Enabled `checkout` in read-only mode, posting to <#C0123ABCD>."},
		{adminUser, "mode checkout action", "now in action mode"},
		{adminUser, "approvers checkout add <!subteam^S0SRETEAM|@sre>", "Approvers of `checkout`: <!subteam^S0SRETEAM>."},
		{adminUser, "pause checkout", "Paused `checkout`"},
		{"U0BOB", "mode checkout read-only", "Only Noctuary's Slack admins may run `/noctuary mode`"},
		{"U0BOB", "status checkout", "`checkout` (default): enabled, action, channel <#C0123ABCD>, approvers <!subteam^S0SRETEAM>, *paused*"},
		{adminUser, "disable nowhere", "nowhere"},
		{"U0BOB", "keys", "• `prod` (integration `prod`): key 0 days old"},
		{adminUser, "audit checkout", "<@U0ADMIN> "},
	}
	for _, s := range steps {
		if got := h.command(s.user, s.text); !strings.Contains(got, s.want) {
			t.Errorf("/noctuary %s: %q, want %q", s.text, got, s.want)
		}
	}
	svc, err := h.store.Service(ctx, "checkout")
	if err != nil || svc.Mode != noctuary.ModeAction || !svc.Paused || svc.SlackChannel != "C0123ABCD" {
		t.Errorf("service = %+v, %v", svc, err)
	}
	entries, err := h.store.AuditEntries(ctx, "checkout", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Actor != "slack:"+adminUser {
			t.Errorf("audit entry by %s: a refused command changed something", e.Actor)
		}
	}
	if len(entries) != 4 {
		t.Errorf("%d audit entries for checkout, want 4 (one per change)", len(entries))
	}
}

func TestRotateThroughRealAdmin(t *testing.T) {
	h := newHarness(t, "embedded")
	withRealAdmin(h)
	submit := func(token string) map[string]any {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: adminUser}}
		cb.View = slack.View{CallbackID: rotateCallback, PrivateMetadata: "prod", State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{rotateBlock: {rotateInput: {Value: token}}}}}
		var resp map[string]any
		_ = json.Unmarshal(h.interaction(cb).Body.Bytes(), &resp)
		return resp
	}
	if resp := submit("u+WRONG"); resp["response_action"] != "errors" ||
		!strings.Contains(resp["errors"].(map[string]any)[rotateBlock].(string), "PagerDuty did not accept the new key") {
		t.Errorf("wrong key: %v", resp)
	}
	if resp := submit("u+NEWKEY"); resp["response_action"] != "update" {
		t.Errorf("valid key: %v", resp)
	}
	if got := h.command("U0BOB", "keys"); !strings.Contains(got, "a new key is pending until it has worked once") {
		t.Errorf("keys after rotation: %q", got)
	}
	if strings.Contains(h.logs.String(), "NEWKEY") || strings.Contains(h.logs.String(), "WRONG") {
		t.Error("a key was logged")
	}
}

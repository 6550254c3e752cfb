package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func TestDirectory(t *testing.T) {
	h := newHarness(t, "embedded")
	h.slack.groups["S0SRETEAM"] = []string{"U0ALICE", "U0BOB"}
	h.slack.fail["usergroups.users.list"] = []string{"429"}
	d := h.bot.dir
	ctx := context.Background()
	members, err := d.UserGroupMembers(ctx, "S0SRETEAM")
	if err != nil || !slices.Equal(members, []string{"U0ALICE", "U0BOB"}) {
		t.Errorf("members = %v, %v", members, err)
	}
	if !slices.Equal(h.waits, []time.Duration{7 * time.Second}) {
		t.Errorf("waits = %v, want one Retry-After", h.waits)
	}
	if email, err := d.UserEmail(ctx, "U0ALICE"); err != nil || email != "alice@example.com" {
		t.Errorf("email = %q, %v", email, err)
	}
	h.slack.fail["users.info"] = []string{"user_not_found"}
	if _, err := d.UserEmail(ctx, "U0NOBODY"); noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("unknown user: %v", err)
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	h.slack.fail["chat.update"] = []string{"invalid_auth"}
	h.click("U0ALICE", "noctuary_approve", h.approvalID(), "Q1ABCDEF")
	h.drain()
	h.command("U0BOB", "enable checkout")
	logs := h.logs.String()
	for _, secret := range []string{botToken, signingSecret, configKey.Reveal(), hookSecret.Reveal()} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret appears in the logs")
		}
	}
	if !strings.Contains(logs, "invalid_auth") {
		t.Error("the Slack failure was not logged")
	}
}

package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

func TestSlashCommands(t *testing.T) {
	tests := []struct {
		user, text string
		want       string   // in the reply
		calls      []string // admin operations, in order
	}{
		{"U0BOB", "", "*Noctuary* commands", nil},
		{"U0BOB", "help", "• `approvers <service> add|remove <@user|@group>`", nil},
		{"U0BOB", "frobnicate now", "`/noctuary frobnicate` is not a command I know.\n*Noctuary* commands", nil},
		{"U0BOB", "status", "`checkout` (prod): enabled, action, channel <#C0CHECKOUT>, approvers <@U0ALICE>, <!subteam^S0SRETEAM>, whoever is on call", []string{"Status "}},
		{"U0BOB", "STATUS checkout", "`checkout`", []string{"Status checkout"}},
		{"U0BOB", "status bad/key", `"bad/key" is not a service key`, nil},
		{"U0BOB", "status a b", "Usage: `/noctuary status [service]`", nil},
		{"U0BOB", "enable checkout", "Only Noctuary's Slack admins may run `/noctuary enable`; admins: <@U0ADMIN>.", nil},
		{"U0BOB", "audit", "Only Noctuary's Slack admins may run `/noctuary audit`", nil},
		{adminUser, "enable checkout <#C0123ABCD|checkout-incidents>", "Enabled `checkout` in read-only mode, posting to <#C0123ABCD>.", []string{"Enable slack:U0ADMIN checkout C0123ABCD"}},
		{adminUser, "enable checkout C0123ABCD", "posting to <#C0123ABCD>", []string{"Enable slack:U0ADMIN checkout C0123ABCD"}},
		{adminUser, "enable checkout", "it has no Slack channel yet", []string{"Enable slack:U0ADMIN checkout "}},
		{adminUser, "enable checkout #general", `"#general" is not a channel`, nil},
		{adminUser, "enable", "Usage: `/noctuary enable <service> [#channel]`", nil},
		{adminUser, "enable missing", `service "missing" is not configured`, []string{"Enable slack:U0ADMIN missing "}},
		{adminUser, "disable checkout", "Disabled `checkout`", []string{"Disable slack:U0ADMIN checkout"}},
		{adminUser, "mode checkout action", "`checkout` is now in action mode", []string{"SetMode slack:U0ADMIN checkout action"}},
		{adminUser, "mode checkout read-only", "`checkout` is now read-only", []string{"SetMode slack:U0ADMIN checkout read-only"}},
		{adminUser, "mode checkout yolo", `"yolo" is not a mode: use read-only or action`, nil},
		{adminUser, "mode checkout", "Usage: `/noctuary mode <service> read-only|action`", nil},
		{adminUser, "approvers checkout add <@U0CAROL|carol>", "Approvers of `checkout`: <@U0CAROL>.", []string{"AddApprover slack:U0ADMIN checkout U0CAROL"}},
		{adminUser, "approvers checkout add <!subteam^S0SRETEAM|@sre>", "<!subteam^S0SRETEAM>", []string{"AddApprover slack:U0ADMIN checkout S0SRETEAM"}},
		{adminUser, "approvers checkout remove U0CAROL", "Approvers of `checkout`: none.", []string{"RemoveApprover slack:U0ADMIN checkout U0CAROL"}},
		{adminUser, "approvers checkout add @carol", `"@carol" is not a user or a user group`, nil},
		{adminUser, "approvers checkout promote U0CAROL", `"promote" is neither add nor remove`, nil},
		{adminUser, "pause", "Paused every service", []string{"Pause slack:U0ADMIN "}},
		{adminUser, "pause checkout", "Paused `checkout`: nothing is written to PagerDuty", []string{"Pause slack:U0ADMIN checkout"}},
		{adminUser, "resume", "Resumed every service.", []string{"Resume slack:U0ADMIN "}},
		{adminUser, "resume checkout", "Resumed `checkout`.", []string{"Resume slack:U0ADMIN checkout"}},
		{adminUser, "audit checkout", "• `2026-11-23 02:20:11` <@U0ADMIN> enable `checkout`: ok", []string{"AuditLog checkout 15"}},
		{adminUser, "rotate", "Usage: `/noctuary rotate <environment>`", nil},
		{adminUser, "rotate prod/eu", `"prod/eu" is not an environment name`, nil},
		{"U0BOB", "keys", "• `prod` (integration `prod`): key 100 days old, rotated 2026-08-15, rotation due 2026-11-13 (*overdue*)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			h := newHarness(t, "embedded")
			h.bot.now = func() time.Time { return onset }
			h.admin.audit = []noctuary.AuditEntry{{Time: onset.Add(6*time.Minute + 11*time.Second), Actor: "slack:U0ADMIN",
				Action: "enable", Service: "checkout", Result: "ok"}}
			h.admin.keys = []admin.KeyStatus{{Environment: "prod", Integration: "prod", Age: 100 * 24 * time.Hour,
				RotatedAt: onset.Add(-100 * 24 * time.Hour), DueAt: onset.Add(-10 * 24 * time.Hour)}}
			got := h.command(tt.user, tt.text)
			if !strings.Contains(got, tt.want) {
				t.Errorf("reply %q\nwant it to contain %q", got, tt.want)
			}
			if calls := h.admin.list(); !slices.Equal(calls, tt.calls) {
				t.Errorf("admin calls %q, want %q", calls, tt.calls)
			}
		})
	}
}

func TestStatusShowsGlobalPause(t *testing.T) {
	h := newHarness(t, "embedded")
	h.admin.paused[""] = true
	if got := h.command("U0BOB", "status"); !strings.HasPrefix(got, ":double_vertical_bar: Everything is paused") {
		t.Errorf("status = %q", got)
	}
}

func TestHelpWithoutAdmins(t *testing.T) {
	h := newHarness(t, "embedded")
	h.bot.opt.Admins = nil
	if got := h.command(adminUser, "disable checkout"); !strings.Contains(got, "none configured (slack.admins in the configuration file)") {
		t.Errorf("reply = %q", got)
	}
}

func TestStatusShowsFeedback(t *testing.T) {
	h := newHarness(t, "embedded")
	if got := h.command("U0BOB", "status"); strings.Contains(got, "feedback:") {
		t.Errorf("no votes yet, but status = %q", got)
	}
	ctx := context.Background()
	for i, user := range []string{"U1", "U2", "U3"} {
		if err := h.store.RecordFeedback(ctx, "checkout", "tr_1", user, i < 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.command("U0BOB", "status"); !strings.Contains(got, "feedback: 2 right, 1 wrong") {
		t.Errorf("status = %q", got)
	}
}

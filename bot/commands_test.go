package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/store/storetest"
)

// seedServices stores checkout (prod, action, approvers and on-call) and
// payments (default, disabled, read-only, no channel), and one audit entry.
func seedServices(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	for _, svc := range []noctuary.Service{
		{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction, SlackChannel: "C0CHECKOUT",
			Approvers: []string{"U0ALICE", "S0SRETEAM"}, ApproveOncall: true, LLM: true},
		{Key: "payments", Environment: "default", Mode: noctuary.ModeReadOnly, Approvers: []string{"U0CAROL"}},
	} {
		if err := h.store.PutService(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.Audit(ctx, noctuary.AuditEntry{Time: onset.Add(6*time.Minute + 11*time.Second),
		Actor: "slack:U0ADMIN", Action: admin.ActionEnable, Service: "checkout", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
}

func TestSlashCommands(t *testing.T) {
	tests := []struct {
		user, text string
		want       string   // in the reply
		absent     string   // not in the reply
		audit      []string // entries the command added (harness.audit)
	}{
		{user: "U0BOB", text: "", want: "*Noctuary* commands"},
		{user: "U0BOB", text: "help", want: "• `approvers <service> add|remove <@user|@group>`"},
		{user: "U0BOB", text: "frobnicate now", want: "`/noctuary frobnicate` is not a command I know.\n*Noctuary* commands"},
		{user: "U0BOB", text: "status", want: "• `checkout` (prod): enabled, action, channel <#C0CHECKOUT>, approvers <@U0ALICE>, <!subteam^S0SRETEAM>, whoever is on call\n• `payments`"},
		{user: "U0BOB", text: "STATUS checkout", want: "`checkout`", absent: "payments"},
		{user: "U0BOB", text: "status payments", want: "• `payments` (default): disabled, channel none, approvers <@U0CAROL>"},
		{user: "U0BOB", text: "status nowhere", want: "service nowhere is not known"},
		{user: "U0BOB", text: "status bad/key", want: `"bad/key" is not a service key`},
		{user: "U0BOB", text: "status a b", want: "Usage: `/noctuary status [service]`"},
		{user: "U0BOB", text: "enable checkout", want: "Only Noctuary's Slack admins may run `/noctuary enable`; admins: <@U0ADMIN>."},
		{user: "U0BOB", text: "audit", want: "Only Noctuary's Slack admins may run `/noctuary audit`"},
		{user: adminUser, text: "enable payments <#C0123ABCD|payments-incidents>", want: "Enabled `payments` in read-only mode, posting to <#C0123ABCD>.",
			audit: []string{"U0ADMIN service.enable payments ok channel=C0123ABCD"}},
		{user: adminUser, text: "enable checkout C0123ABCD", want: "Enabled `checkout` in action mode, posting to <#C0123ABCD>.",
			audit: []string{"U0ADMIN service.enable checkout ok channel=C0123ABCD"}},
		{user: adminUser, text: "enable payments", want: "Enabled `payments` in read-only mode; it has no Slack channel yet",
			audit: []string{"U0ADMIN service.enable payments ok"}},
		{user: adminUser, text: "enable search", want: "service search is not known. A new service is declared in the configuration file or created with /noctuary create search",
			audit: []string{"U0ADMIN service.enable search not_found"}},
		{user: adminUser, text: "enable checkout #general", want: `"#general" is not a channel`},
		{user: adminUser, text: "enable", want: "Usage: `/noctuary enable <service> [#channel]`"},
		{user: adminUser, text: "disable nowhere", want: "service nowhere is not known. A new service is declared in the configuration file or created with /noctuary create nowhere",
			audit: []string{"U0ADMIN service.disable nowhere not_found"}},
		{user: adminUser, text: "disable checkout", want: "Disabled `checkout`", audit: []string{"U0ADMIN service.disable checkout ok"}},
		{user: adminUser, text: "mode checkout action", want: "`checkout` is now in action mode",
			audit: []string{"U0ADMIN service.mode checkout ok mode=action previous=action"}},
		{user: adminUser, text: "mode payments action", want: "`payments` is now in action mode",
			audit: []string{"U0ADMIN service.mode payments ok mode=action previous=read-only"}},
		{user: adminUser, text: "mode checkout read-only", want: "`checkout` is now read-only",
			audit: []string{"U0ADMIN service.mode checkout ok mode=read-only previous=action"}},
		{user: adminUser, text: "mode checkout yolo", want: `"yolo" is not a mode: use read-only or action`},
		{user: adminUser, text: "mode checkout", want: "Usage: `/noctuary mode <service> read-only|action`"},
		{user: adminUser, text: "approvers checkout add <@U0CAROL|carol>",
			want:  "Approvers of `checkout`: <@U0ALICE>, <!subteam^S0SRETEAM>, <@U0CAROL>, whoever is on call.",
			audit: []string{"U0ADMIN service.approver.add checkout ok approver=U0CAROL"}},
		{user: adminUser, text: "approvers checkout add <!subteam^S0SRETEAM|@sre>",
			want:  "Approvers of `checkout`: <@U0ALICE>, <!subteam^S0SRETEAM>, whoever is on call.",
			audit: []string{"U0ADMIN service.approver.add checkout ok approver=S0SRETEAM"}},
		{user: adminUser, text: "approvers checkout remove U0ALICE", want: "Approvers of `checkout`: <!subteam^S0SRETEAM>, whoever is on call.",
			audit: []string{"U0ADMIN service.approver.remove checkout ok approver=U0ALICE"}},
		{user: adminUser, text: "approvers payments remove U0CAROL", want: "Approvers of `payments`: none.",
			audit: []string{"U0ADMIN service.approver.remove payments ok approver=U0CAROL"}},
		{user: adminUser, text: "approvers checkout remove U0CAROL", want: "U0CAROL is not an approver of checkout",
			audit: []string{"U0ADMIN service.approver.remove checkout not_found approver=U0CAROL"}},
		{user: adminUser, text: "approvers checkout add @carol", want: `"@carol" is not a user or a user group`},
		{user: adminUser, text: "approvers checkout promote U0CAROL", want: `"promote" is neither add nor remove`},
		{user: adminUser, text: "pause", want: "Paused every service", audit: []string{"U0ADMIN noctuary.pause  ok"}},
		{user: adminUser, text: "pause checkout", want: "Paused `checkout`: nothing is written to PagerDuty",
			audit: []string{"U0ADMIN service.pause checkout ok"}},
		{user: adminUser, text: "resume", want: "Resumed every service.", audit: []string{"U0ADMIN noctuary.resume  ok"}},
		{user: adminUser, text: "resume checkout", want: "Resumed `checkout`.", audit: []string{"U0ADMIN service.resume checkout ok"}},
		{user: adminUser, text: "audit checkout", want: "• `" + onset.Add(6*time.Minute+11*time.Second).Format(time.DateTime) + "` <@U0ADMIN> service.enable `checkout`: ok"},
		{user: adminUser, text: "audit payments", want: "The audit log is empty for `payments`."},
		{user: adminUser, text: "rotate", want: "Usage: `/noctuary rotate <environment>`"},
		{user: adminUser, text: "rotate prod/eu", want: `"prod/eu" is not an environment name`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			h := newHarness(t, "embedded")
			seedServices(t, h)
			ctx := context.Background()
			before, services := h.audit(), h.services()
			got := h.command(tt.user, tt.text)
			if !strings.Contains(got, tt.want) || (tt.absent != "" && strings.Contains(got, tt.absent)) {
				t.Errorf("reply %q\nwant it to contain %q", got, tt.want)
			}
			if added := h.audit()[len(before):]; !slices.Equal(added, tt.audit) {
				t.Errorf("audited %q, want %q", added, tt.audit)
			}
			if paused, _ := h.store.GlobalPaused(ctx); tt.audit == nil && (paused || h.services() != services) {
				t.Errorf("a command that audited nothing changed the services: %s", h.services())
			}
		})
	}
}

// services renders every stored service, to compare.
func (h *harness) services() string {
	h.t.Helper()
	svcs, err := h.admin.Status(context.Background(), "")
	if err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprintf("%+v", svcs)
}

// A sequence of commands, by an admin and others, leaves its effects in
// the store (a real redis-server): one audit entry per change, none for a
// refusal.
func TestCommandsChangeTheStore(t *testing.T) {
	h := newHarness(t, "redis")
	ctx := context.Background()
	steps := []struct{ user, text, want string }{
		{adminUser, "create checkout prod PCHECKOUT", "Created `checkout` in environment `prod` for PagerDuty service PCHECKOUT, read-only and not enabled yet"},
		{adminUser, "enable checkout <#C0123ABCD|checkout>", "Enabled `checkout` in read-only mode, posting to <#C0123ABCD>."},
		{adminUser, "mode checkout action", "now in action mode"},
		{adminUser, "approvers checkout add <!subteam^S0SRETEAM|@sre>", "Approvers of `checkout`: <!subteam^S0SRETEAM>."},
		{adminUser, "pause checkout", "Paused `checkout`"},
		{"U0BOB", "mode checkout read-only", "Only Noctuary's Slack admins may run `/noctuary mode`"},
		{"U0BOB", "status checkout", "`checkout` (prod): enabled, action, channel <#C0123ABCD>, approvers <!subteam^S0SRETEAM>, *paused*"},
		{adminUser, "disable nowhere", "nowhere"},
		{"U0BOB", "keys", "• `prod` (integration `prod`): key 0 days old, rotation due "},
		{adminUser, "audit checkout", "<@U0ADMIN> service.pause `checkout`: ok"},
	}
	for _, s := range steps {
		if got := h.command(s.user, s.text); !strings.Contains(got, s.want) {
			t.Errorf("/noctuary %s: %q, want %q", s.text, got, s.want)
		}
	}
	svc, err := h.store.Service(ctx, "checkout")
	if err != nil || svc.Mode != noctuary.ModeAction || !svc.Paused || svc.SlackChannel != "C0123ABCD" ||
		!slices.Equal(svc.Approvers, []string{"S0SRETEAM"}) {
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
	if len(entries) != 5 {
		t.Errorf("%d audit entries for checkout, want 5 (one per change)", len(entries))
	}
}

func TestKeysShowsRotationDue(t *testing.T) {
	clk := storetest.NewClock(onset.Add(-100 * 24 * time.Hour))
	h := newHarness(t, "embedded", storeClock(clk), pdAccepts("u+NEWKEY123"))
	if err := h.admin.RotateKey(context.Background(), "slack:"+adminUser, "prod", "u+NEWKEY123"); err != nil {
		t.Fatal(err)
	}
	clk.Set(onset)
	h.bot.now = clk.Now
	want := "• `prod` (integration `prod`): key 100 days old, rotated " + onset.Add(-100*24*time.Hour).Format(time.DateOnly) +
		", rotation due " + onset.Add(-10*24*time.Hour).Format(time.DateOnly) + " (*overdue*); " +
		"a new key is pending until it has worked once"
	if got := h.command("U0BOB", "keys"); got != want {
		t.Errorf("keys = %q\nwant %q", got, want)
	}
}

func TestAuditShowsTheLatestEntries(t *testing.T) {
	h := newHarness(t, "embedded")
	for i := range auditLimit + 5 {
		if _, err := h.store.Audit(context.Background(), noctuary.AuditEntry{Time: onset.Add(time.Duration(i) * time.Minute),
			Actor: "slack:" + adminUser, Action: admin.ActionPause, Service: "checkout", Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(h.command(adminUser, "audit checkout"), "\n")
	if len(lines) != auditLimit || !strings.HasPrefix(lines[0], "• `"+onset.Add(19*time.Minute).Format(time.DateTime)+"`") {
		t.Errorf("%d lines, the first %q; want the latest %d, newest first", len(lines), lines[0], auditLimit)
	}
}

func TestStatusShowsGlobalPause(t *testing.T) {
	h := newHarness(t, "embedded")
	h.putService(noctuary.ModeAction)
	if got := h.command(adminUser, "pause"); !strings.HasPrefix(got, "Paused every service") {
		t.Fatalf("pause = %q", got)
	}
	if got := h.command("U0BOB", "status"); !strings.HasPrefix(got, ":double_vertical_bar: Everything is paused") {
		t.Errorf("status = %q", got)
	}
	h.command(adminUser, "resume")
	if got := h.command("U0BOB", "status"); strings.Contains(got, "Everything is paused") {
		t.Errorf("status after resume = %q", got)
	}
}

func TestStatusWithoutServices(t *testing.T) {
	h := newHarness(t, "embedded")
	if got := h.command("U0BOB", "status"); !strings.HasPrefix(got, "No service is configured yet") {
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

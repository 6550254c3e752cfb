package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const applyFile = `integrations:
  - {id: default, environment: default, pagerduty_token: "${APPLY_PD_TOKEN}", webhook_secret: "${APPLY_WEBHOOK_SECRET}", from: noctuary@example.com}
services:
  - {key: checkout, pagerduty_service_ids: [PCHECKOUT], enabled: true, slack_channel: C0FILE, approvers: [U0ALICE]}
  - {key: payments, pagerduty_service_ids: [PPAYMENTS], mode: action, approvers: [S0SRETEAM]}
`

// applySecrets are the file's secrets: no output may show them.
var applySecrets = map[string]string{"APPLY_PD_TOKEN": "pd-apply-token-0123", "APPLY_WEBHOOK_SECRET": "whsec-apply-4567"}

// TestConfigApply: through the real command against a real redis-server,
// `noctuary config apply` creates the declared services, then undoes the
// drift admins made live (a service disabled, its mode, channel and
// approvers changed): the dry run lists each change and changes nothing;
// the apply makes each, audited as config:file; a second apply changes
// nothing and says so. A service only live is reported and kept.
func TestConfigApply(t *testing.T) {
	ctx := context.Background()
	rs := storetest.StartRedis(t)
	path := filepath.Join(t.TempDir(), "noctuary.yaml")
	if err := os.WriteFile(path, []byte(applyFile), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NOCTUARY_CONFIG": path, "NOCTUARY_REDIS_URL": rs.URL}
	for k, v := range applySecrets {
		env[k] = v
	}
	s, err := store.Open(ctx, rs.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	applyOnce(t, env, []string{"config", "apply", "--dry-run"}, []string{
		"would create service checkout as declared (environment default, enabled, read-only)",
		"would create service payments as declared (environment default, disabled, action)",
		"2 change(s) would be made; nothing was changed (run without --dry-run to apply)"})
	if live, err := s.Services(ctx); err != nil || len(live) != 0 {
		t.Fatalf("services after the dry run: %+v, %v; want none", live, err)
	}
	applyOnce(t, env, []string{"config", "apply"}, []string{
		"create service checkout as declared (environment default, enabled, read-only)",
		"create service payments as declared (environment default, disabled, action)",
		"2 change(s) made, audited as config:file"})
	audited := auditedByFile(t, s)
	if len(audited) != 2 || audited[0].Action != admin.ActionCreate || audited[1].Action != admin.ActionCreate {
		t.Fatalf("config:file entries after creating: %+v", audited)
	}

	// Live drift, as Slack and the admin API make it; and a service only live.
	adm := admin.New(admin.Options{Store: s})
	for _, err := range []error{
		second(adm.Disable(ctx, "U0BOB", "checkout")),
		second(adm.SetMode(ctx, "U0BOB", "checkout", noctuary.ModeAction)),
		second(adm.SetChannel(ctx, "U0BOB", "checkout", "C0LIVE1")),
		second(adm.AddApprover(ctx, "U0BOB", "checkout", "U0EVE12")),
		second(adm.RemoveApprover(ctx, "U0BOB", "payments", "S0SRETEAM")),
		second(adm.SetDependencies(ctx, "U0BOB", "checkout", []string{"postgres"})), // a setting only the file declares
		s.PutService(ctx, noctuary.Service{Key: "legacy", Environment: "default", Enabled: true}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	kept := "kept legacy: it is live but not in the configuration file (declare it, or disable it; apply never deletes a service)"
	applyOnce(t, env, []string{"config", "apply", "--dry-run"}, []string{
		"would set checkout enabled to true (live is false)",
		"would set checkout mode to read-only (live is action)",
		"would set checkout slack_channel to C0FILE (live is C0LIVE1)",
		"would set checkout approvers to U0ALICE (live is U0ALICE,U0EVE12)",
		"would set checkout dependencies to (none) (live is postgres)",
		"would set payments approvers to S0SRETEAM (live is (none))",
		kept,
		"6 change(s) would be made; nothing was changed (run without --dry-run to apply)"})
	if got, _ := s.Service(ctx, "checkout"); got.Enabled || got.Mode != noctuary.ModeAction || got.SlackChannel != "C0LIVE1" {
		t.Fatalf("checkout after the dry run: %+v; want the live drift kept", got)
	}
	if n := len(auditedByFile(t, s)); n != 2 {
		t.Fatalf("the dry run audited %d entries, want none", n-2)
	}

	applyOnce(t, env, []string{"config", "apply"}, []string{
		"set checkout enabled to true (live was false)",
		"set checkout mode to read-only (live was action)",
		"set checkout slack_channel to C0FILE (live was C0LIVE1)",
		"set checkout approvers to U0ALICE (live was U0ALICE,U0EVE12)",
		"set checkout dependencies to (none) (live was postgres)",
		"set payments approvers to S0SRETEAM (live was (none))",
		kept,
		"6 change(s) made, audited as config:file"})
	got, err := s.Service(ctx, "checkout")
	if err != nil || !got.Enabled || got.Mode != noctuary.ModeReadOnly || got.SlackChannel != "C0FILE" || strings.Join(got.Approvers, ",") != "U0ALICE" {
		t.Fatalf("checkout after apply: %+v, %v; want the file's settings", got, err)
	}
	audited = auditedByFile(t, s)
	actions := map[string]bool{}
	for _, e := range audited {
		actions[e.Service+" "+e.Action] = true
		if e.Action == admin.ActionCreate {
			continue
		}
		if e.Details["reason"] != byApply.reason || e.Details["field"] == "" || e.Details["file"] == e.Details["live"] {
			t.Errorf("audit entry without the apply's reason, the field or a change: %+v", e)
		}
	}
	for _, want := range []string{"checkout service.enable", "checkout service.mode", "checkout service.channel", "checkout service.approvers", "checkout service.settings", "payments service.approvers"} {
		if !actions[want] {
			t.Errorf("no config:file audit entry %q among %+v", want, audited)
		}
	}
	if len(audited) != 8 {
		t.Errorf("%d config:file entries, want 2 creations and 6 changes: %+v", len(audited), audited)
	}

	applyOnce(t, env, []string{"config", "apply"}, []string{kept, "nothing to change: the declared services are live as the file says"})
	if n := len(auditedByFile(t, s)); n != 8 {
		t.Errorf("the second apply audited %d entries, want none", n-8)
	}
	if _, err := s.Service(ctx, "legacy"); err != nil {
		t.Errorf("apply removed the service only live: %v", err)
	}
}

// applyOnce runs args and wants exit 0 and exactly wantLines on stdout,
// and no secret of the file anywhere.
func applyOnce(t *testing.T, env map[string]string, args, wantLines []string) {
	t.Helper()
	code, stdout, stderr := runArgs(t, env, args...)
	if code != 0 {
		t.Fatalf("noctuary %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	if want := strings.Join(wantLines, "\n") + "\n"; stdout != want {
		t.Errorf("noctuary %s printed:\n%s\nwant:\n%s", strings.Join(args, " "), stdout, want)
	}
	for _, secret := range applySecrets {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("noctuary %s showed a secret of the file", strings.Join(args, " "))
		}
	}
}

func auditedByFile(t *testing.T, s *store.Store) []noctuary.AuditEntry {
	t.Helper()
	entries, err := s.AuditSearch(context.Background(), noctuary.AuditQuery{Actor: noctuary.ActorConfigFile})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func second(_ noctuary.Service, err error) error { return err }

// TestConfigApplyNeeds: config apply without the file or Redis it works on
// says which variable to set (exit 2); with a Redis that does not answer it
// says so in a sentence (exit 1); a wrong flag is a usage error (exit 2).
// Nothing is printed on stdout.
func TestConfigApplyNeeds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "noctuary.yaml")
	if err := os.WriteFile(path, []byte(applyFile), 0o600); err != nil {
		t.Fatal(err)
	}
	down := "redis://" + freeAddr(t) + "/0"
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no file", map[string]string{"NOCTUARY_REDIS_URL": down, "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": testWebhookKey}, nil,
			exitInvalidConfig, "config apply needs NOCTUARY_CONFIG"},
		{"file missing", map[string]string{"NOCTUARY_CONFIG": path + ".gone", "NOCTUARY_REDIS_URL": down}, nil,
			exitInvalidConfig, "NOCTUARY_CONFIG: cannot read the configuration file"},
		{"no redis", map[string]string{"NOCTUARY_CONFIG": path}, nil, exitInvalidConfig, "config apply needs NOCTUARY_REDIS_URL"},
		{"redis down", map[string]string{"NOCTUARY_CONFIG": path, "NOCTUARY_REDIS_URL": down}, nil, 1,
			"noctuary config apply: the store is unavailable"},
		{"dry run, redis down", map[string]string{"NOCTUARY_CONFIG": path, "NOCTUARY_REDIS_URL": down}, []string{"--dry-run"}, 1,
			"noctuary config apply: the store is unavailable"},
		{"unknown flag", nil, []string{"--prune"}, exitUsage, "noctuary config apply: unknown flag -prune"},
		{"argument", nil, []string{"checkout"}, exitUsage, `noctuary config apply: unexpected argument "checkout"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range applySecrets {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			code, stdout, stderr := runArgs(t, env, append([]string{"config", "apply"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tt.code, tt.want)
			}
		})
	}
}

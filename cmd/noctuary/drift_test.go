package main

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestSeedDrift: at start-up each difference between the file and the live
// settings is logged with the side that won; settings_source: live keeps
// the live values unaudited, settings_source: file restores the file's and
// audits them as config:file.
func TestSeedDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	declared := noctuary.Service{Key: "checkout", Environment: "default", PagerDutyServiceIDs: []string{"PCHECKOUT"},
		Enabled: true, Mode: noctuary.ModeReadOnly, SlackChannel: "C0FILE", Approvers: []string{"U0A", "U0B"}, LLM: true}
	for _, tc := range []struct {
		source   noctuary.SettingsSource
		wantMode noctuary.Mode
		audited  int
	}{
		{noctuary.SettingsLive, noctuary.ModeAction, 0},
		{noctuary.SettingsFile, noctuary.ModeReadOnly, 3},
	} {
		t.Run(string(tc.source), func(t *testing.T) {
			t.Parallel()
			s := storetest.Open(t, "redis", store.Options{})
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			if err := seedServices(ctx, s, []noctuary.Service{declared}, logger); err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateService(ctx, "checkout", func(live *noctuary.Service) error {
				live.Mode, live.SlackChannel, live.Approvers = noctuary.ModeAction, "C0LIVE", []string{"U0B", "U0A", "U0C"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			d := declared
			d.SettingsSource = tc.source
			logs.Reset()
			if err := seedServices(ctx, s, []noctuary.Service{d}, logger); err != nil {
				t.Fatal(err)
			}
			got, err := s.Service(ctx, "checkout")
			if err != nil {
				t.Fatal(err)
			}
			if got.Mode != tc.wantMode {
				t.Errorf("mode after start-up = %s, want %s", got.Mode, tc.wantMode)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 3 {
				t.Fatalf("want one drift line per setting (mode, slack_channel, approvers), got:\n%s", logs.String())
			}
			mustContain(t, lines[0], "service=checkout", "field=mode", "file=read-only", "live=action", "wins="+string(tc.source))
			mustContain(t, lines[2], "field=approvers", "file=U0A,U0B", "live=U0A,U0B,U0C")
			entries, err := s.AuditSearch(ctx, noctuary.AuditQuery{Actor: noctuary.ActorConfigFile})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != tc.audited {
				t.Fatalf("audited %d entries as config:file, want %d: %+v", len(entries), tc.audited, entries)
			}
			if tc.audited > 0 && !slices.ContainsFunc(entries, func(e noctuary.AuditEntry) bool {
				return e.Action == "service.mode" && e.Details["file"] == "read-only" && e.Details["live"] == "action"
			}) {
				t.Errorf("no service.mode entry restoring read-only: %+v", entries)
			}
		})
	}
}

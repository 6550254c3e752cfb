package noctuary_test

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// TestMayAct is the table of the one rule every front end and the approvals
// ask: enabled, action mode, nothing paused; the first thing that stops
// Noctuary is the one named.
func TestMayAct(t *testing.T) {
	svc := func(enabled bool, mode noctuary.Mode, paused bool) noctuary.Service {
		return noctuary.Service{Key: "checkout", Enabled: enabled, Mode: mode, Paused: paused}
	}
	tests := []struct {
		name   string
		svc    noctuary.Service
		global bool
		want   string // "" may act
	}{
		{"enabled, action", svc(true, noctuary.ModeAction, false), false, ""},
		{"disabled", svc(false, noctuary.ModeAction, false), false,
			"checkout is not enabled; an admin can enable it with /noctuary enable checkout"},
		{"disabled beats read-only and paused", svc(false, noctuary.ModeReadOnly, true), true,
			"checkout is not enabled; an admin can enable it with /noctuary enable checkout"},
		{"read-only", svc(true, noctuary.ModeReadOnly, false), false,
			"checkout is read-only; an admin can promote it with /noctuary mode checkout action"},
		{"no mode is not action", svc(true, "", false), false,
			"checkout is read-only; an admin can promote it with /noctuary mode checkout action"},
		{"service paused", svc(true, noctuary.ModeAction, true), false,
			"checkout is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume checkout"},
		{"service paused during the global pause", svc(true, noctuary.ModeAction, true), true,
			"checkout is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume checkout"},
		{"global pause", svc(true, noctuary.ModeAction, false), true,
			"Noctuary is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := noctuary.MayAct(tt.svc, tt.global)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("MayAct = %v, want nil", err)
				}
				return
			}
			if noctuary.ErrorCode(err) != noctuary.EForbidden || noctuary.ErrorMessage(err) != tt.want {
				t.Errorf("MayAct = %q (%s)\nwant   %q (forbidden)", noctuary.ErrorMessage(err), noctuary.ErrorCode(err), tt.want)
			}
		})
	}
}

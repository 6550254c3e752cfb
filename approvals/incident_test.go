package approvals_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/noctuary/noctuary"
)

func TestAcknowledge(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		if err := e.Acknowledge(context.Background(), "Q1ABC", carol); err != nil { // anyone may
			t.Fatal(err)
		}
		if !slices.Equal(e.notes.acks, []string{"prod Q1ABC"}) {
			t.Errorf("acknowledgements = %q", e.notes.acks)
		}
		if got := e.notes.list(); !slices.Equal(got, []string{"prod Q1ABC: Acknowledged by Carol <Carol@Example.com> via Noctuary"}) {
			t.Errorf("notes = %q", got)
		}
		if got := e.audit(t); !slices.Equal(got, []string{"incident.acknowledge slack:U0CAROL ok"}) {
			t.Errorf("audit = %q", got)
		}
	})
}

func TestAcknowledgeRefusals(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*testing.T, env)
		incident  string // default Q1ABC
		code, msg string
	}{
		{"read-only", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Mode = noctuary.ModeReadOnly }) },
			"", noctuary.EForbidden, "checkout is read-only; an admin can promote it with /noctuary mode checkout action"},
		{"paused", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Paused = true }) }, "", noctuary.EForbidden, "checkout is paused"},
		{"globally paused", func(t *testing.T, e env) {
			if err := e.store.SetGlobalPaused(context.Background(), true); err != nil {
				t.Fatal(err)
			}
		}, "", noctuary.EForbidden, "Noctuary is paused"},
		{"inbound integration", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Environment = "mirror" }) },
			"", noctuary.EForbidden, "integration mirror is inbound-only"},
		{"PagerDuty fails", func(t *testing.T, e env) { e.notes.ackErr = errors.New("HTTP 503") }, "", noctuary.EUnavailable, "PagerDuty did not acknowledge incident Q1ABC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e env) {
				tt.setup(t, e)
				incident := cmp.Or(tt.incident, "Q1ABC")
				wantErr(t, e.Acknowledge(context.Background(), incident, alice), tt.code, tt.msg)
				if got := e.notes.list(); len(got) != 0 {
					t.Errorf("notes written: %q", got)
				}
			})
		})
	}
}

func TestFeedback(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		e.update(t, func(s *noctuary.Service) { s.Mode, s.Paused = noctuary.ModeReadOnly, true }) // feedback is always welcome
		for _, v := range []struct {
			user  string
			right bool
		}{{alice.ID, true}, {carol.ID, false}, {carol.ID, true}} {
			if err := e.Feedback(ctx, "tr_1", noctuary.User{ID: v.user}, v.right); err != nil {
				t.Fatal(err)
			}
		}
		p, err := e.store.FeedbackPrecision(ctx, "checkout")
		if err != nil || p[0].All != (noctuary.Verdicts{Right: 2}) {
			t.Errorf("FeedbackPrecision = %+v, %v; want 2 right", p, err)
		}
		if got := e.audit(t); len(got) != 3 || got[1] != "triage.feedback slack:U0CAROL wrong" {
			t.Errorf("audit = %q", got)
		}
		wantErr(t, e.Feedback(ctx, "tr_nope", alice, true), noctuary.ENotFound, "")
	})
}

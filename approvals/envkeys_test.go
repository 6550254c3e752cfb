package approvals_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// deliveredViaMirror records incident Q2MIRROR of checkout (environment
// prod) as delivered through the webhook of the integration mirror (an
// account-wide subscription), with its triage tr_2.
func deliveredViaMirror(t *testing.T, e env) noctuary.Triage {
	t.Helper()
	tr := rollback
	tr.ID, tr.Integration, tr.Incident.ID = "tr_2", "mirror", "Q2MIRROR"
	ctx := context.Background()
	ev := noctuary.WebhookEvent{ID: "EV-MIRROR", Type: noctuary.EventIncidentTriggered, Integration: "mirror",
		OccurredAt: e.clock.Now(), Incident: tr.Incident}
	if _, err := e.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestWritesUseTheServicesEnvironment: an incident delivered through another
// environment's (inbound) integration is acknowledged, noted and checked for
// on-call with the integration of its service's environment.
func TestWritesUseTheServicesEnvironment(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		tr := deliveredViaMirror(t, e)
		if err := e.Acknowledge(ctx, "Q2MIRROR", carol); err != nil {
			t.Fatal(err)
		}
		e.onCall.emails = []string{"carol@example.com"} // the fake answers only for integration prod
		if a, err := e.Decide(ctx, e.offer(t, tr), "", carol); err != nil || a.State != noctuary.ApprovalDone {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
		if !slices.Equal(e.notes.acks, []string{"prod Q2MIRROR"}) {
			t.Errorf("acknowledgements = %q, want prod's", e.notes.acks)
		}
		notes := e.notes.list()
		if len(notes) != 4 {
			t.Errorf("notes = %q, want the acknowledgement's and the action's three", notes)
		}
		for _, n := range notes {
			if !strings.HasPrefix(n, "prod Q2MIRROR: ") {
				t.Errorf("note %q not written with prod's integration", n)
			}
		}
	})
}

// TestEnvironmentWithoutIntegrationWritesNothing: when the service's
// environment has no integration, Acknowledge is refused with a sentence and
// an action's timeline notes are kept out of PagerDuty (the action runs).
func TestEnvironmentWithoutIntegrationWritesNothing(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		deliveredViaMirror(t, e)
		e.update(t, func(s *noctuary.Service) { s.Environment = "lab" })
		wantErr(t, e.Acknowledge(ctx, "Q1ABC", alice), noctuary.EForbidden,
			"environment lab of checkout has no PagerDuty integration: Noctuary writes nothing to PagerDuty there; acknowledge in PagerDuty")
		if a, err := e.Decide(ctx, e.offer(t, rollback), "", alice); err != nil || a.State != noctuary.ApprovalDone {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("webhook called %d times, want 1", n)
		}
		if got := e.notes.list(); len(got) != 0 || len(e.notes.acks) != 0 {
			t.Errorf("written to PagerDuty: notes %q, acks %q", got, e.notes.acks)
		}
	})
}

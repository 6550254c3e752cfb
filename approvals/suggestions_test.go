package approvals_test

import (
	"context"
	"testing"

	"github.com/noctuary/noctuary"
)

// suggested is triage tr_1 with three suggestions: the rollback, advice,
// and flush-cache; plus one naming an undeclared action.
func suggested() noctuary.Triage {
	tr := rollback
	tr.Suggestions = []noctuary.Suggestion{
		{Recommendation: tr.Recommendation},
		{Recommendation: noctuary.Recommendation{Text: "Check postgres-main"}},
		{Recommendation: noctuary.Recommendation{Text: "Flush", Action: "flush-cache", Destructive: true}},
		{Recommendation: noctuary.Recommendation{Text: "Drop it", Action: "drop-database"}},
	}
	return tr
}

// TestOfferEachDeclaredSuggestion: each suggestion that is a declared
// action is offered, with its rank; Destructive comes from the declaration,
// never from the suggestion; advice and undeclared actions are not offered.
func TestOfferEachDeclaredSuggestion(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		svc, _ := e.store.Service(ctx, "checkout")
		offers, err := e.Offer(ctx, suggested(), svc)
		if err != nil || len(offers) != 2 {
			t.Fatalf("Offer = %+v, %v; want two", offers, err)
		}
		want := []noctuary.Offer{
			{Action: "rollback", Destructive: true, Label: "Approve rollback"},
			{Action: "flush-cache", Label: "Apply", Suggestion: 2},
		}
		for i, o := range offers {
			w := want[i]
			w.ApprovalID = o.ApprovalID
			if o != w {
				t.Errorf("offer %d = %+v, want %+v", i, o, w)
			}
		}
		if offers[0].ApprovalID == offers[1].ApprovalID {
			t.Error("two actions share an approval")
		}
		again, err := e.Offer(ctx, suggested(), svc)
		if err != nil || len(again) != 2 || again[0] != offers[0] || again[1] != offers[1] {
			t.Errorf("offering again = %+v, %v", again, err)
		}
		// Applying the non-destructive one runs it once, audited as applied.
		a, err := e.Decide(ctx, offers[1].ApprovalID, "", bob)
		if err != nil || a.State != noctuary.ApprovalDone || a.Destructive {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("webhook called %d times, want 1", n)
		}
		if got := e.audit(t); len(got) != 3 || got[0] != "action.apply slack:U0BOBBOB ok" {
			t.Errorf("audit = %q", got)
		}
		// The destructive one still needs an approver.
		_, err = e.Decide(ctx, offers[0].ApprovalID, "", carol)
		wantErr(t, err, noctuary.EForbidden, "you may not approve rollback")
	})
}

// TestOfferSuggestionsReadOnly: nothing is offered in read-only mode.
func TestOfferSuggestionsReadOnly(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		svc, _ := e.store.Service(context.Background(), "checkout")
		svc.Mode = noctuary.ModeReadOnly
		if offers, err := e.Offer(context.Background(), suggested(), svc); err != nil || len(offers) != 0 {
			t.Errorf("Offer = %+v, %v", offers, err)
		}
	})
}

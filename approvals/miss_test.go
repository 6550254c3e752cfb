package approvals_test

import (
	"context"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// A miss names a cause from the triage's list or in words; anything else is
// refused and records nothing.
func TestMiss(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		tr := rollback
		tr.ID, tr.Engine = "tr_2", "gemini-2.5-flash"
		tr.Signals = []noctuary.Signal{{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: t0}}}
		if err := e.store.SaveTriage(ctx, tr); err != nil {
			t.Fatal(err)
		}
		zero, two := 0, 2
		wantErr(t, e.Miss(ctx, "tr_2", alice, nil, "  "), noctuary.EInvalid, "Pick the signal")
		wantErr(t, e.Miss(ctx, "tr_2", alice, &two, ""), noctuary.EInvalid, "not in this triage's list")
		wantErr(t, e.Miss(ctx, "tr_2", alice, nil, strings.Repeat("é", noctuary.MaxCauseText+1)), noctuary.EInvalid, "at most 500 characters")
		wantErr(t, e.Miss(ctx, "tr_nope", alice, nil, "disk full"), noctuary.ENotFound, "")
		if got := e.audit(t); len(got) != 0 {
			t.Fatalf("refused misses audited: %q", got)
		}
		if err := e.Miss(ctx, "tr_2", noctuary.User{ID: "U0CAROL"}, &zero, " the canary, not the deploy "); err != nil {
			t.Fatal(err)
		}
		misses, err := e.store.Misses(ctx)
		if err != nil || len(misses) != 1 || misses[0].Text != "the canary, not the deploy" || misses[0].User != "U0CAROL" {
			t.Fatalf("Misses = %+v, %v", misses, err)
		}
		p, err := e.store.FeedbackPrecision(ctx, "checkout")
		if err != nil || p[0].Engines["gemini-2.5-flash"] != (noctuary.Verdicts{Wrong: 1}) {
			t.Errorf("precision = %+v, %v; want the miss as gemini's vote wrong", p, err)
		}
		if got := e.audit(t); len(got) != 1 || got[0] != "triage.miss slack:U0CAROL wrong" {
			t.Errorf("audit = %q", got)
		}
	})
}

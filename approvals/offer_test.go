package approvals_test

import (
	"context"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/approvals"
)

func TestOffer(t *testing.T) {
	tests := []struct {
		name   string
		triage noctuary.Triage
		edit   func(*noctuary.Service)
		want   []noctuary.Offer // ApprovalID not compared
	}{
		{"destructive", rollback, nil, []noctuary.Offer{{Action: "rollback", Destructive: true, Label: "Approve rollback"}}},
		{"non-destructive", triage("flush-cache", nil), nil, []noctuary.Offer{{Action: "flush-cache", Label: "Apply"}}},
		{"text only", triage("", nil), nil, nil},
		{"undeclared action", triage("drop-database", nil), nil, nil},
		{"undeclared param", triage("rollback", map[string]string{"sha": "f8b3e22", "force": "true"}), nil, nil},
		{"missing param", triage("rollback", map[string]string{"sha": ""}), nil, nil},
		{"read-only", rollback, func(s *noctuary.Service) { s.Mode = noctuary.ModeReadOnly }, nil},
		{"paused", rollback, func(s *noctuary.Service) { s.Paused = true }, nil},
		{"disabled", rollback, func(s *noctuary.Service) { s.Enabled = false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e env) {
				ctx := context.Background()
				svc, _ := e.store.Service(ctx, "checkout")
				if tt.edit != nil {
					tt.edit(&svc)
				}
				got, err := e.Offer(ctx, tt.triage, svc)
				if err != nil || len(got) != len(tt.want) {
					t.Fatalf("Offer = %+v, %v; want %+v", got, err, tt.want)
				}
				for i, o := range got {
					w := tt.want[i]
					w.ApprovalID = o.ApprovalID
					if o != w {
						t.Errorf("offer = %+v, want %+v", o, w)
					}
					a, err := e.store.Approval(ctx, o.ApprovalID)
					if err != nil || a.State != noctuary.ApprovalPending || a.TriageID != "tr_1" || a.IncidentID != "Q1ABC" ||
						!a.ExpiresAt.Equal(t0.Add(approvals.DefaultTTL)) || a.Destructive != o.Destructive {
						t.Errorf("recorded approval = %+v, %v", a, err)
					}
				}
			})
		})
	}
}

func TestOfferingTwiceGivesOneApproval(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		first, second := e.offer(t, rollback), e.offer(t, rollback)
		if first != second {
			t.Errorf("approval IDs %s and %s", first, second)
		}
		if other := e.offer(t, triage("rollback", map[string]string{"sha": "0000000"})); other == first {
			t.Error("another sha got the same approval")
		}
	})
}

func TestOfferWhileGloballyPaused(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		ctx := context.Background()
		if err := e.store.SetGlobalPaused(ctx, true); err != nil {
			t.Fatal(err)
		}
		svc, _ := e.store.Service(ctx, "checkout")
		if got, err := e.Offer(ctx, rollback, svc); err != nil || len(got) != 0 {
			t.Errorf("Offer = %+v, %v", got, err)
		}
	})
}

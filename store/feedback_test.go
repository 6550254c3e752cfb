package store_test

import (
	"context"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestFeedback(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		votes := []struct {
			triage, user string
			right        bool
		}{
			{"tr_1", "U1", true},
			{"tr_1", "U2", true},
			{"tr_1", "U2", true}, // a repeat counts once
			{"tr_2", "U1", true},
			{"tr_2", "U1", false}, // a change of mind moves the vote
		}
		for _, v := range votes {
			if err := s.RecordFeedback(ctx, "checkout", v.triage, v.user, v.right); err != nil {
				t.Fatal(err)
			}
		}
		right, wrong, err := s.FeedbackCounts(ctx, "checkout")
		if err != nil || right != 2 || wrong != 1 {
			t.Errorf("FeedbackCounts = %d, %d, %v; want 2, 1", right, wrong, err)
		}
		right, wrong, err = s.FeedbackCounts(ctx, "payments")
		if err != nil || right != 0 || wrong != 0 {
			t.Errorf("FeedbackCounts(payments) = %d, %d, %v", right, wrong, err)
		}
		wantCode(t, s.RecordFeedback(ctx, "check out", "tr_1", "U1", true), noctuary.EInvalid)
		wantCode(t, s.RecordFeedback(ctx, "checkout", "tr_1", "", true), noctuary.EInvalid)
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestStartPosting: a triage's first posting needs no check; a mark left
// behind, or an incident older than what Redis remembers (it came back
// empty since), does; a cleared mark does not; the first seed time is kept
// across restarts.
func TestStartPosting(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		if err := s.MarkSeeded(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		if err := s.MarkSeeded(ctx); err != nil { // a restart keeps the first seed time
			t.Fatal(err)
		}
		onset := t0.Add(time.Minute)
		steps := []struct {
			name   string
			triage string
			onset  time.Time
			end    bool
			want   bool
		}{
			{"first attempt", "tr_a", onset, false, false},
			{"mark left behind", "tr_a", onset, true, true},
			{"after the mark is cleared", "tr_a", onset, false, false},
			{"another triage", "tr_b", onset, false, false},
			{"incident older than Redis's memory", "tr_c", t0.Add(-time.Minute), false, true},
		}
		for _, st := range steps {
			if got := must[bool](t)(s.StartPosting(ctx, st.triage, st.onset)); got != st.want {
				t.Errorf("%s: check = %v, want %v", st.name, got, st.want)
			}
			if st.end {
				if err := s.EndPosting(ctx, st.triage); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestReserveUpTo: one ask takes as many requests as the bucket holds, at
// most n, and none (with the wait) when it is spent or blocked; the bucket
// is the one Reserve takes from.
func TestReserveUpTo(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		steps := []struct {
			n, want, left int
			min, max      time.Duration
		}{
			{3, 3, 2, 0, 0}, {5, 2, 0, 0, 0}, // a burst of 5
			{4, 0, 0, 29 * time.Second, 30 * time.Second}, // spent: one more in 60s/2
		}
		for i, st := range steps {
			got, left, wait, err := s.ReserveUpTo(ctx, "pd:batch", 2, 5, st.n)
			if err != nil {
				t.Fatal(err)
			}
			if got != st.want || left != st.left || wait < st.min || wait > st.max {
				t.Errorf("step %d: took %d, %d left, wait %v; want %d, %d left, wait within [%v, %v]", i, got, left, wait, st.want, st.left, st.min, st.max)
			}
		}
		if wait := must[time.Duration](t)(s.Reserve(ctx, "pd:batch", 2, 5)); wait < 29*time.Second {
			t.Errorf("Reserve after the batches: wait %v, want the same spent bucket", wait)
		}
		if err := s.Block(ctx, "pd:open", time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _, wait, err := s.ReserveUpTo(ctx, "pd:open", 2, 5, 3); err != nil || got != 0 || wait < 59*time.Second {
			t.Errorf("blocked bucket: took %d, wait %v, err %v; want none, about a minute", got, wait, err)
		}
		_, _, _, err := s.ReserveUpTo(ctx, "pd:open", 2, 5, 0)
		wantCode(t, err, noctuary.EInvalid)
	})
}

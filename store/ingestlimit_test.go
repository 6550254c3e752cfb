package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestTakeN: a bucket of 1 unit a second holding 20 gives what it holds
// at once, then refuses (taking nothing) with the wait until it holds the
// request's units; another bucket is untouched, and a request beyond the
// burst or of no unit is invalid.
func TestTakeN(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		steps := []struct {
			bucket   string
			n        int
			min, max time.Duration
		}{
			{"ingest:a", 15, 0, 0},
			{"ingest:a", 10, 4 * time.Second, 5 * time.Second}, // 5 left: 5 more take 5 s
			{"ingest:a", 5, 0, 0},                              // the refusal took nothing
			{"ingest:a", 1, 500 * time.Millisecond, time.Second},
			{"ingest:b", 20, 0, 0},
		}
		for i, st := range steps {
			got := must[time.Duration](t)(s.TakeN(ctx, st.bucket, st.n, 1, 20))
			if got < st.min || got > st.max {
				t.Errorf("step %d (%d from %s): wait %v, want within [%v, %v]", i, st.n, st.bucket, got, st.min, st.max)
			}
		}
		for _, bad := range [][3]int{{21, 1, 20}, {0, 1, 20}, {1, 0, 20}, {1, 1, 0}} {
			_, err := s.TakeN(ctx, "ingest:c", bad[0], bad[1], bad[2])
			wantCode(t, err, noctuary.EInvalid)
		}
	})
}

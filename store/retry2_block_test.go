package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestBlockStopsReserve: a blocked bucket refuses every Reserve for the
// block's remaining time, a shorter block does not shorten it, other buckets
// go on, and the block expires on its own.
func TestBlockStopsReserve(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		if err := s.Block(ctx, "pd:k", 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := s.Block(ctx, "pd:k", 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		wait := must[time.Duration](t)(s.Reserve(ctx, "pd:k", 100, 10))
		if wait <= 100*time.Millisecond || wait > 300*time.Millisecond {
			t.Errorf("blocked bucket: wait %v, want within (100ms, 300ms]", wait)
		}
		if got := must[time.Duration](t)(s.Reserve(ctx, "pd:other", 100, 10)); got != 0 {
			t.Errorf("other bucket: wait %v, want 0", got)
		}
		deadline := time.Now().Add(5 * time.Second)
		for must[time.Duration](t)(s.Reserve(ctx, "pd:k", 100, 10)) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("the block did not expire")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

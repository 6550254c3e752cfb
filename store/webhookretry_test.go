package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// claimIDs claims up to count stale entries for "w2" and returns their event IDs.
func claimIDs(t *testing.T, s *store.Store, minIdle time.Duration, count int) []string {
	t.Helper()
	var ids []string
	for _, d := range must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(context.Background(), "w2", minIdle, count)) {
		ids = append(ids, d.Event.ID)
	}
	return ids
}

// enqueueTaken queues events ids and has a worker that dies take them.
func enqueueTaken(t *testing.T, s *store.Store, ids ...string) []noctuary.WebhookDelivery {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		must[bool](t)(s.EnqueueWebhook(ctx, webhook(id, "P1")))
	}
	return must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "crashed", len(ids), 0))
}

// TestClaimGoesOnWhereItStopped: successive claims of one entry each take
// the next stale entry, not the head again, and wrap around at the end.
func TestClaimGoesOnWhereItStopped(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		enqueueTaken(t, s, "ev-1", "ev-2", "ev-3")
		var got []string
		for range 4 {
			time.Sleep(15 * time.Millisecond)
			got = append(got, claimIDs(t, s, 10*time.Millisecond, 1)...)
		}
		if want := []string{"ev-1", "ev-2", "ev-3", "ev-1"}; !slices.Equal(got, want) {
			t.Fatalf("claimed %v, want %v", got, want)
		}
	})
}

// TestDeferredEntryWaitsUncounted: a deferred entry is not claimed before
// its time, however idle, then is claimed at once; deferrals do not count
// as deliveries, and transient ones count as retries.
func TestDeferredEntryWaitsUncounted(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		taken := enqueueTaken(t, s, "ev-busy", "ev-free")
		if err := s.DeferWebhook(ctx, taken[0].StreamID, time.Minute, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Millisecond)
		if got := claimIDs(t, s, 10*time.Millisecond, 2); !slices.Equal(got, []string{"ev-free"}) {
			t.Fatalf("claimed %v before the deferred entry's time, want only ev-free", got)
		}
		clk.Add(time.Minute)
		claimed := must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(ctx, "w2", time.Hour, 2))
		if len(claimed) != 1 || claimed[0].Event.ID != "ev-busy" || claimed[0].Deliveries != 1 || claimed[0].Retries != 0 {
			t.Fatalf("claimed %+v, want ev-busy on its first counted delivery", claimed)
		}
		if err := s.DeferWebhook(ctx, claimed[0].StreamID, time.Second, true); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, s, time.Hour, 2); got != nil {
			t.Fatalf("claimed %v again before its time", got)
		}
		clk.Add(time.Second)
		// A due entry is claimed only if idle as long as XPENDING saw it,
		// at least 1 ms of Redis' own clock (so that an entry another
		// worker just took is not taken from it): on a fast machine the
		// whole sequence since the last claim can take less.
		time.Sleep(2 * time.Millisecond)
		again := must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(ctx, "w2", time.Hour, 2))
		if len(again) != 1 || again[0].Deliveries != 1 || again[0].Retries != 1 {
			t.Fatalf("claimed %+v, want ev-busy with 1 delivery and 1 retry", again)
		}
		if got := claimIDs(t, s, time.Hour, 2); got != nil {
			t.Fatalf("a claimed entry was claimed again before minIdle: %v", got)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// A worker's renewal of its webhook entry restarts the entry's idle time,
// so that no other worker reclaims it, and keeps its delivery count; only
// the consumer holding the entry can renew it. Checked on redis-server and
// on the embedded Redis alike.
func TestWebhookRenewalKeepsEntryAndCount(t *testing.T) {
	storetest.EachKind(t, time.Now(), store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		ev := noctuary.WebhookEvent{ID: "EV-LEASE", Type: noctuary.EventIncidentTriggered, Incident: noctuary.Incident{ID: "QLEASE"}}
		if _, err := s.EnqueueWebhook(ctx, ev); err != nil {
			t.Fatal(err)
		}
		taken, err := s.ReadWebhooks(ctx, "a", 1, 0)
		if err != nil || len(taken) != 1 {
			t.Fatalf("a took %d entries (%v)", len(taken), err)
		}
		id := taken[0].StreamID
		const idle = 300 * time.Millisecond
		for range 3 {
			time.Sleep(idle + 50*time.Millisecond)
			if held, err := s.RenewWebhook(ctx, "b", id); held || err != nil {
				t.Fatalf("b renewed a's entry: %t, %v", held, err)
			}
			if held, err := s.RenewWebhook(ctx, "a", id); !held || err != nil {
				t.Fatalf("a could not renew its entry: %t, %v", held, err)
			}
			if got, err := s.ClaimStaleWebhooks(ctx, "b", idle, 1); len(got) != 0 || err != nil {
				t.Fatalf("b reclaimed an entry just renewed: %v, %v", got, err)
			}
		}
		got, err := s.ClaimStaleWebhooks(ctx, "b", 0, 1)
		if err != nil || len(got) != 1 || got[0].StreamID != id || got[0].Deliveries != 2 {
			t.Fatalf("b's reclaim = %+v (%v), want %s on delivery 2: renewals do not count", got, err, id)
		}
		if held, err := s.RenewWebhook(ctx, "a", id); held || err != nil {
			t.Fatalf("a renewed an entry b has taken: %t, %v", held, err)
		}
	})
}

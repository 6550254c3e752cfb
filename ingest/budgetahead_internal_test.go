package ingest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// gate lets calls through to a limiter once k of them wait, so that they
// run at once.
type gate struct {
	Limiter
	k       int
	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

func (g *gate) TakeN(ctx context.Context, bucket string, n, perSecond, burst int) (time.Duration, error) {
	g.mu.Lock()
	if g.arrived++; g.arrived == g.k {
		close(g.open)
	}
	g.mu.Unlock()
	<-g.open
	return g.Limiter.TakeN(ctx, bucket, n, perSecond, burst)
}

// TestBudgetAheadHeldAtMost: requests that find a busy token's reserve
// short at once take ahead together no more than one reserve (1/20 of a
// second's rate), not one each: what a replica holds ahead is at most
// that, however many requests it serves at once.
func TestBudgetAheadHeldAtMost(t *testing.T) {
	srv := storetest.StartRedis(t)
	st, err := store.Open(context.Background(), srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	limit := RateLimit{Limiter: st, PerSecond: 1000, Burst: 20000}
	const bucket, most, clients = "ingest:held", 1000 / aheadShare, 8
	var a budgetAhead
	ctx := context.Background()
	for a.bucket(bucket).extra < most { // busy: the reserve grows to most
		if wait, err := a.take(ctx, limit, bucket, 1); err != nil || wait > 0 {
			t.Fatalf("take: wait %v, %v", wait, err)
		}
		a.buckets[bucket].filled = time.Now() // each reserve used up at once
	}
	a.buckets[bucket].left = 0
	limit.Limiter = &gate{Limiter: st, k: clients, open: make(chan struct{})}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			if wait, err := a.take(ctx, limit, bucket, 1); err != nil || wait > 0 {
				t.Errorf("take: wait %v, %v", wait, err)
			}
		})
	}
	wg.Wait()
	if r := a.buckets[bucket]; r.left > most || r.left < 0 || r.taking != 0 {
		t.Errorf("%d clients at once: %d events held ahead, %d being taken; want at most %d held, none being taken", clients, r.left, r.taking, most)
	}
}

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

// TestBudgetAheadHeldWhateverTheSizes: a busy token whose requests are
// larger than its reserve holds no more ahead than one reserve (1/20 of a
// second's rate, at most 64) however its requests' sizes vary; before
// 0bf7573 each such request kept what the reserve held and added to it,
// up to a request's events plus 64 (127 after batches of 100).
func TestBudgetAheadHeldWhateverTheSizes(t *testing.T) {
	st := storetest.Open(t, "redis", store.Options{})
	for _, tc := range []struct {
		name      string
		perSecond int
		sizes     []int
	}{
		{"batches over the reserve", 100_000, []int{100}},
		{"growing batches", 100_000, []int{10, 70, 130, 190, 250, 310}},
		{"mixed sizes at the default rate", 1000, []int{1, 1, 40, 1, 90, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit := RateLimit{Limiter: st, PerSecond: tc.perSecond, Burst: 1_000_000}
			most := min(aheadMax, tc.perSecond/aheadShare)
			bucket := "ingest:sizes:" + tc.name
			var a budgetAhead
			for i := range 60 {
				n := tc.sizes[i%len(tc.sizes)]
				if wait, err := a.take(context.Background(), limit, bucket, n); err != nil || wait > 0 {
					t.Fatalf("take %d: wait %v, %v", n, wait, err)
				}
				if r := a.buckets[bucket]; r.left > most {
					t.Fatalf("after a request of %d events, %d held ahead, more than %d", n, r.left, most)
				}
			}
		})
	}
}

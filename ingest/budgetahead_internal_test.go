package ingest

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// gate lets calls through to a limiter once k of them wait, so that they
// run at once, and counts the units they took.
type gate struct {
	Limiter
	k       int
	mu      sync.Mutex
	arrived int
	taken   int
	open    chan struct{}
}

func (g *gate) TakeN(ctx context.Context, bucket string, n, perSecond, burst int) (time.Duration, error) {
	g.mu.Lock()
	if g.arrived++; g.arrived == g.k {
		close(g.open)
	}
	g.mu.Unlock()
	<-g.open
	wait, err := g.Limiter.TakeN(ctx, bucket, n, perSecond, burst)
	if err == nil && wait <= 0 {
		g.mu.Lock()
		g.taken += n
		g.mu.Unlock()
	}
	return wait, err
}

// TestBudgetAheadHeldAtMost: requests that find a busy token's reserve
// short at once take ahead together no more than one reserve (1/20 of a
// second's rate), not one each: what a replica holds ahead is at most
// that, however many requests it serves at once, and every event taken
// from the shared budget is a request's or held.
func TestBudgetAheadHeldAtMost(t *testing.T) {
	st := openLimiter(t)
	limit := RateLimit{Limiter: st, PerSecond: 1000, Burst: 2000}
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
	g := &gate{Limiter: st, k: clients, open: make(chan struct{})}
	limit.Limiter = g
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			if wait, err := a.take(ctx, limit, bucket, 1); err != nil || wait > 0 {
				t.Errorf("take: wait %v, %v", wait, err)
			}
		})
	}
	wg.Wait()
	if r := a.buckets[bucket]; r.left > most || r.left < 0 || r.taking {
		t.Errorf("%d clients at once: %d events held ahead, one being taken: %v; want at most %d held, none being taken", clients, r.left, r.taking, most)
	}
	if r := a.buckets[bucket]; g.taken != clients+r.left {
		t.Errorf("%d events taken from the shared budget for %d requests, %d held: the rest is lost", g.taken, clients, r.left)
	}
}

// openLimiter opens a store on a redis-server of its own.
func openLimiter(t *testing.T) *store.Store {
	t.Helper()
	srv := storetest.StartRedis(t)
	st, err := store.Open(context.Background(), srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestBudgetAheadBurstBound: a token that held events ahead when it went
// quiet sends at once, once its budget refilled, the burst and what it held
// (what the rate adds while it sends aside), no more: the reserve is the
// only excess over the burst.
func TestBudgetAheadBurstBound(t *testing.T) {
	limit := RateLimit{Limiter: openLimiter(t), PerSecond: 1000, Burst: 200}
	const bucket = "ingest:quiet"
	var a budgetAhead
	ctx := context.Background()
	take := func() bool {
		wait, err := a.take(ctx, limit, bucket, 1)
		if err != nil {
			t.Fatal(err)
		}
		return wait <= 0
	}
	for i := 0; i < 100 || a.buckets[bucket].left < 20; i++ { // busy, holding some ahead
		if i == 190 || !take() {
			t.Fatalf("after %d events, %d held ahead: want some 20 held", i, a.buckets[bucket].left)
		}
	}
	held := a.buckets[bucket].left
	// Quiet: the shared budget refills whole.
	time.Sleep(time.Duration(limit.Burst+50) * time.Second / time.Duration(limit.PerSecond))
	start, sent := time.Now(), 0
	for take() {
		sent++
	}
	elapsed := time.Since(start)
	if most := limit.Burst + held + int(math.Ceil(float64(limit.PerSecond)*elapsed.Seconds())); sent > most {
		t.Errorf("%d events at once in %v after a quiet spell, holding %d: more than the burst, the reserve and the rate allow (%d)", sent, elapsed, held, most)
	}
	if sent < limit.Burst {
		t.Errorf("%d events at once after a quiet spell, fewer than the burst (%d)", sent, limit.Burst)
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
			held := 0
			for i := range 60 {
				n := tc.sizes[i%len(tc.sizes)]
				if wait, err := a.take(context.Background(), limit, bucket, n); err != nil || wait > 0 {
					t.Fatalf("take %d: wait %v, %v", n, wait, err)
				}
				r := a.buckets[bucket]
				if r.left > most {
					t.Fatalf("after a request of %d events, %d held ahead, more than %d", n, r.left, most)
				}
				held = max(held, r.left)
			}
			if held == 0 {
				t.Error("nothing was ever held ahead")
			}
		})
	}
}

// TestBudgetAheadTopUpHeldAtMost: concurrent requests of a busy token,
// which refill the reserve before it runs out, never hold more than one
// reserve ahead, and every event taken from the shared budget is a
// request's or held.
func TestBudgetAheadTopUpHeldAtMost(t *testing.T) {
	g := &gate{Limiter: openLimiter(t), k: 1, open: make(chan struct{})}
	limit := RateLimit{Limiter: g, PerSecond: 1000, Burst: 1_000_000}
	const bucket, most, clients, each = "ingest:topup", 1000 / aheadShare, 8, 300
	var a budgetAhead
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				if wait, err := a.take(context.Background(), limit, bucket, 1); err != nil || wait > 0 {
					t.Errorf("take: wait %v, %v", wait, err)
					return
				}
				a.mu.Lock()
				left := a.buckets[bucket].left
				a.mu.Unlock()
				if left > most {
					t.Errorf("%d events held ahead, more than %d", left, most)
					return
				}
			}
		})
	}
	wg.Wait()
	if r := a.buckets[bucket]; g.taken != clients*each+r.left {
		t.Errorf("%d events taken from the shared budget for %d requests, %d held: the rest is lost", g.taken, clients*each, r.left)
	}
}

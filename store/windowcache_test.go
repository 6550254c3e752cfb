package store_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// replicas opens n stores on one fresh redis-server, each with its own
// window cache (opt), sharing clk, and a client for FLUSHALL.
func replicas(t *testing.T, n int, opt store.Options, clk *storetest.Clock) ([]*store.Store, *redis.Client) {
	t.Helper()
	srv := storetest.StartRedis(t)
	opt.Now, opt.Logger = clk.Now, discard()
	var out []*store.Store
	for range n {
		s, err := store.Open(context.Background(), srv.URL, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out = append(out, s)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return out, rdb
}

// canonical is a window as sorted JSON lines: ties in time come in no
// particular order.
func canonical(t *testing.T, evs []noctuary.ContextEvent) []string {
	t.Helper()
	var out []string
	for i, ev := range evs {
		if i > 0 && ev.OccurredAt.Before(evs[i-1].OccurredAt) {
			t.Fatalf("window not sorted at %d", i)
		}
		j, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(j))
	}
	slices.Sort(out)
	return out
}

// TestWindowCacheMatchesDirectRead writes events from two replicas (on time
// and late, with and without ids), wipes Redis now and then, and checks that
// every window a caching replica answers equals the window read whole by a
// store without cache, whatever its cache held, however small its bound.
func TestWindowCacheMatchesDirectRead(t *testing.T) {
	for _, bound := range []int{store.DefaultWindowCacheEvents, 15} {
		t.Run(strconv.Itoa(bound), func(t *testing.T) {
			t.Parallel()
			clk := storetest.NewClock(t0)
			ss, rdb := replicas(t, 2, store.Options{EventRetention: 6 * time.Hour, WindowCacheEvents: bound}, clk)
			oracle, err := store.Open(context.Background(), "redis://"+rdb.Options().Addr, store.Options{
				Now: clk.Now, Logger: discard(), EventRetention: 6 * time.Hour, WindowCacheEvents: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer oracle.Close()
			checkAgainstOracle(t, ss, oracle, rdb, clk)
		})
	}
}

func checkAgainstOracle(t *testing.T, ss []*store.Store, oracle *store.Store, rdb *redis.Client, clk *storetest.Clock) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(8, 10))
	svcs := []string{"checkout", "payments", "db"}
	for step := range 300 {
		clk.Add(time.Duration(r.IntN(40)) * time.Second)
		now := clk.Now()
		switch op := r.IntN(20); {
		case step%100 == 50:
			if err := rdb.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		case op < 10:
			var batch []noctuary.ContextEvent
			for range 1 + r.IntN(3) {
				late := time.Duration(r.IntN(3)) * time.Duration(r.Int64N(int64(90*time.Minute)))
				id := ""
				if r.IntN(2) == 0 {
					id = "e" + strconv.Itoa(r.IntN(300))
				}
				batch = append(batch, event(svcs[r.IntN(len(svcs))], id, "deploy", now.Add(-late)))
			}
			if _, _, err := ss[r.IntN(len(ss))].AddEvents(ctx, batch); err != nil {
				t.Fatal(err)
			}
		default:
			q := slices.Compact(slices.Sorted(slices.Values([]string{svcs[r.IntN(3)], svcs[r.IntN(3)]})))
			to := now.Add(time.Duration(r.IntN(10)) * time.Minute)
			if r.IntN(8) == 0 {
				to = now.Add(-time.Duration(r.IntN(240)) * time.Minute) // an old window
			}
			from := to.Add(-time.Duration(5+r.IntN(120)) * time.Minute)
			got := must[[]noctuary.ContextEvent](t)(ss[r.IntN(len(ss))].EventsInWindow(ctx, q, from, to))
			want := must[[]noctuary.ContextEvent](t)(oracle.EventsInWindow(ctx, q, from, to))
			if g, w := canonical(t, got), canonical(t, want); !slices.Equal(g, w) {
				t.Fatalf("step %d: window %v %s..%s: cached %d events, read whole %d:\n%q\n%q",
					step, q, from.Format(time.TimeOnly), to.Format(time.TimeOnly), len(g), len(w), g, w)
			}
		}
	}
}

// TestWindowCacheSeesLateEventFromReplica: a window cached by one replica
// finds an event that another replica stored two hours late, in a minute
// the cache already held.
func TestWindowCacheSeesLateEventFromReplica(t *testing.T) {
	clk := storetest.NewClock(t0)
	ss, _ := replicas(t, 2, store.Options{}, clk)
	ctx := context.Background()
	onset := clk.Now()
	from, to := onset.Add(-30*time.Minute), onset.Add(5*time.Minute)
	must[int](t)(addOne(ss[0], event("checkout", "on-time", "deploy", onset.Add(-20*time.Minute))))
	window := func() []string {
		var ids []string
		for _, ev := range must[[]noctuary.ContextEvent](t)(ss[0].EventsInWindow(ctx, []string{"checkout"}, from, to)) {
			ids = append(ids, ev.ID+"@"+ev.OccurredAt.Sub(onset).String())
		}
		slices.Sort(ids)
		return ids
	}
	if got := window(); !slices.Equal(got, []string{"on-time@-20m0s"}) {
		t.Fatalf("first window = %q", got)
	}
	clk.Add(2 * time.Hour)
	must[int](t)(addOne(ss[1], event("checkout", "late", "deploy", onset.Add(-20*time.Minute).Add(time.Second))))
	must[int](t)(addOne(ss[1], event("checkout", "", "deploy", onset.Add(-3*time.Minute))))
	if got := window(); !slices.Equal(got, []string{"@-3m0s", "late@-19m59s", "on-time@-20m0s"}) {
		t.Fatalf("window after late events from another replica = %q", got)
	}
}

// TestWindowCacheAfterFlushAll: after Redis loses its data, a cached window
// holds only what was stored since, even when the log has new entries.
func TestWindowCacheAfterFlushAll(t *testing.T) {
	clk := storetest.NewClock(t0)
	ss, rdb := replicas(t, 2, store.Options{}, clk)
	ctx := context.Background()
	now := clk.Now()
	window := func() int {
		return len(must[[]noctuary.ContextEvent](t)(ss[0].EventsInWindow(ctx, []string{"checkout"}, now.Add(-30*time.Minute), now)))
	}
	must[int](t)(addOne(ss[0], event("checkout", "a", "deploy", now.Add(-time.Minute))))
	must[int](t)(addOne(ss[0], event("checkout", "b", "deploy", now.Add(-2*time.Minute))))
	if n := window(); n != 2 {
		t.Fatalf("before the wipe: %d events", n)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if n := window(); n != 0 {
		t.Fatalf("right after the wipe: %d events, want 0", n)
	}
	must[int](t)(addOne(ss[0], event("checkout", "a", "deploy", now.Add(-time.Minute))))
	if n := window(); n != 1 {
		t.Fatalf("one event stored after the wipe: the window holds %d", n)
	}
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	must[int](t)(addOne(ss[1], event("checkout", "c", "deploy", now.Add(-3*time.Minute))))
	must[int](t)(addOne(ss[1], event("checkout", "", "deploy", now.Add(-4*time.Minute))))
	if n := window(); n != 2 {
		t.Fatalf("two events stored by another replica after a second wipe: the window holds %d", n)
	}
}

// TestWindowCacheConcurrent: triages of one service that run while events
// arrive each see every event stored before they began (run with -race).
func TestWindowCacheConcurrent(t *testing.T) {
	clk := storetest.NewClock(t0)
	ss, _ := replicas(t, 1, store.Options{}, clk)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := clk.Now()
	var stored atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			at := now.Add(-time.Duration(i%40) * time.Minute) // late ones too
			if _, _, err := ss[0].AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "e"+strconv.Itoa(i), "deploy", at)}); err != nil {
				t.Error(err)
				return
			}
			stored.Add(1)
		}
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				before := stored.Load()
				evs, err := ss[0].EventsInWindow(ctx, []string{"checkout", "db"}, now.Add(-45*time.Minute), now)
				if err != nil {
					t.Error(err)
					return
				}
				if int64(len(evs)) < before {
					t.Errorf("a window begun after %d events were stored holds %d", before, len(evs))
					return
				}
			}
		})
	}
	wg.Wait()
	<-done
}

// TestEventLogExpires: a service's event log goes with its events, one
// retention (and up to a minute) after its last write, with ids or without.
func TestEventLogExpires(t *testing.T) {
	clk := storetest.NewClock(t0)
	ss, rdb := replicas(t, 1, store.Options{EventRetention: 5 * time.Hour}, clk)
	ctx := context.Background()
	for svc, id := range map[string]string{"with-id": "e1", "without-id": ""} {
		must[int](t)(addOne(ss[0], event(svc, id, "deploy", clk.Now())))
		ttl := must[time.Duration](t)(rdb.PTTL(ctx, "noctuary:v2:events:{"+svc+"}:log").Result())
		if ttl < 5*time.Hour || ttl > 5*time.Hour+time.Minute {
			t.Errorf("%s: the event log expires in %v, want 5h to 5h1m", svc, ttl)
		}
	}
}

package ingest_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// limitedRedis opens a store on a redis-server of its own and returns it
// with a client of that server.
func limitedRedis(t *testing.T) (*store.Store, *redis.Client) {
	t.Helper()
	srv := storetest.StartRedis(t)
	opt := storeOptions()
	st, err := store.Open(context.Background(), srv.URL, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return st, rdb
}

// resetStats resets the statistics of the server of rdb.
func resetStats(t *testing.T, rdb *redis.Client) {
	t.Helper()
	if err := rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// scriptCalls returns the script calls (EVALSHA and EVAL) Redis ran since
// its statistics were reset: the rate limit's, for events without an id.
func scriptCalls(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(info) {
		for _, cmd := range []string{"cmdstat_evalsha:calls=", "cmdstat_eval:calls="} {
			if rest, ok := strings.CutPrefix(line, cmd); ok {
				calls, _, _ := strings.Cut(rest, ",")
				c, err := strconv.Atoi(calls)
				if err != nil {
					t.Fatalf("commandstats %q: %v", line, err)
				}
				n += c
			}
		}
	}
	return n
}

// TestBudgetAheadFewerCalls: a token sending single events fast takes its
// budget ahead, in reserves, so Redis runs far fewer limit checks than
// there are requests, and every event is stored; a token sending slowly (a
// rate below 20 a second, here 1) takes exactly its events each time.
func TestBudgetAheadFewerCalls(t *testing.T) {
	st, rdb := limitedRedis(t)
	e := limited(t, st, 1000, 20000)
	const requests = 200
	resetStats(t, rdb)
	for range requests {
		check(t, postEvents(t, e, tokenAll, "application/json", eventJSON("", "checkout")), 202, "")
	}
	if n := len(storedEvents(t, st, "checkout")); n != requests {
		t.Errorf("%d events stored, want %d", n, requests)
	}
	if n := scriptCalls(t, rdb); n > requests/4 {
		t.Errorf("%d limit checks for %d single events, want at most %d: the budget is not taken ahead", n, requests, requests/4)
	}

	// Concurrent requests: those that find the reserve short while it is
	// being taken again must not each take their events on their own.
	const clients, each = 8, 100
	resetStats(t, rdb)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				if res := postEvents(t, e, tokenAll, "application/json", eventJSON("", "payments")); res.status != 202 {
					t.Errorf("status %d: %s", res.status, res.raw)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(storedEvents(t, st, "payments")); n != clients*each {
		t.Errorf("%d events stored, want %d", n, clients*each)
	}
	const most = 1000 / 20 // a reserve at 1,000 a second
	if n := scriptCalls(t, rdb); n > 2*clients*each/most+clients {
		t.Errorf("%d limit checks for %d single events from %d clients, want at most %d: requests wait for a limit check of their own while the reserve is taken again", n, clients*each, clients, 2*clients*each/most+clients)
	} else {
		t.Logf("%d limit checks for %d events from %d clients", n, clients*each, clients)
	}

	slow := limited(t, st, 1, 20000)
	resetStats(t, rdb)
	for range 10 {
		check(t, postEvents(t, slow, tokenScoped, "application/json", eventJSON("", "checkout")), 202, "")
	}
	if n := scriptCalls(t, rdb); n != 10 {
		t.Errorf("%d limit checks for 10 events at 1 a second, want one each", n)
	}
}

// TestBudgetAheadBounded: two replicas taking a token's budget ahead as
// fast as they can store no more than the budget allows (the burst and the
// rate over the time they ran) and what they may hold ahead (1/20 of a
// second's rate each), and lose at most that.
func TestBudgetAheadBounded(t *testing.T) {
	st, _ := limitedRedis(t)
	const perSecond, burst = 400, 100
	replicas := []*env{limited(t, st, perSecond, burst), limited(t, st, perSecond, burst)}
	var (
		mu       sync.Mutex
		accepted int
		wg       sync.WaitGroup
	)
	start := time.Now()
	for _, r := range replicas {
		for range 2 {
			wg.Go(func() {
				for range 150 {
					res := postEvents(t, r, tokenAll, "application/json", eventJSON("", "checkout"))
					switch res.status {
					case 202:
						mu.Lock()
						accepted++
						mu.Unlock()
					case 429:
					default:
						t.Errorf("status %d: %s", res.status, res.raw)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	ahead := len(replicas) * perSecond / 20
	most := burst + ahead + int(math.Ceil(perSecond*elapsed.Seconds()))
	if accepted > most {
		t.Errorf("%d events accepted in %v, more than the budget and the reserves allow (%d)", accepted, elapsed, most)
	}
	if least := burst - ahead; accepted < least {
		t.Errorf("%d events accepted, want at least %d (the burst less what the replicas hold ahead)", accepted, least)
	}
	if n := len(storedEvents(t, st, "checkout")); n != accepted {
		t.Errorf("%d events stored, %d accepted", n, accepted)
	}
}

package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// commandCalls returns how many times Redis ran cmd since its last CONFIG
// RESETSTAT (INFO commandstats).
func commandCalls(t *testing.T, rdb *redis.Client, cmd string) int {
	t.Helper()
	info := must[string](t)(rdb.Info(context.Background(), "commandstats").Result())
	for line := range strings.Lines(info) {
		rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls=")
		if ok {
			n, _, _ := strings.Cut(rest, ",")
			return must[int](t)(strconv.Atoi(n))
		}
	}
	return 0
}

// TestEventUpkeepOncePerMinute: events without ids are trimmed by the
// retention and given their expiry at a replica's first write of a service
// in each minute, not at every write; the keys still expire one retention
// (and at most a minute) after the last write, and old packs are trimmed.
func TestEventUpkeepOncePerMinute(t *testing.T) {
	const retention = 5 * time.Hour
	clk := storetest.NewClock(t0)
	ss, rdb := replicas(t, 2, store.Options{EventRetention: retention}, clk)
	ctx := context.Background()
	must[string](t)(rdb.ConfigResetStat(ctx).Result())
	steps := []struct {
		name           string
		replica        int
		advance        time.Duration
		pexpire, zrems int // calls so far
		packs          int64
	}{
		{"first write", 0, 0, 2, 1, 1},
		{"same minute, same replica", 0, 10 * time.Second, 2, 1, 2},
		{"same minute, other replica", 1, 10 * time.Second, 4, 2, 3},
		{"same minute again", 1, 30 * time.Second, 4, 2, 4},
		{"next minute", 0, 20 * time.Second, 6, 3, 5},
		{"a retention later: the old packs are trimmed", 0, retention + time.Minute, 8, 4, 1},
	}
	for _, st := range steps {
		clk.Add(st.advance)
		must[int](t)(addOne(ss[st.replica], event("checkout", "", "deploy", clk.Now())))
		if got := commandCalls(t, rdb, "pexpire"); got != st.pexpire {
			t.Errorf("%s: %d PEXPIRE so far, want %d", st.name, got, st.pexpire)
		}
		if got := commandCalls(t, rdb, "zremrangebyscore"); got != st.zrems {
			t.Errorf("%s: %d ZREMRANGEBYSCORE so far, want %d", st.name, got, st.zrems)
		}
		if got := must[int64](t)(rdb.ZCard(ctx, "noctuary:v2:events:{checkout}").Result()); got != st.packs {
			t.Errorf("%s: %d packs stored, want %d", st.name, got, st.packs)
		}
		for _, key := range []string{"noctuary:v2:events:{checkout}", "noctuary:v2:events:{checkout}:log"} {
			ttl := must[time.Duration](t)(rdb.PTTL(ctx, key).Result())
			if ttl < retention || ttl > retention+time.Minute {
				t.Errorf("%s: %s expires in %v, want %v to %v", st.name, key, ttl, retention, retention+time.Minute)
			}
		}
	}
}

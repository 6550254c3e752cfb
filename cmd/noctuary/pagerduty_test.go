package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestKeyRecordReadOncePerCall: an integration with an extra key posts 10
// notes through the PagerDuty client factory, against a real redis-server
// and the fake PagerDuty. Each call reads the integration's key record
// (rotated key, and whether a rotation awaits its confirmation) once, not
// once for the key and again for the pending rotation: Redis runs HGETALL
// (inside the key record's script) 10 times (20 before).
func TestKeyRecordReadOncePerCall(t *testing.T) {
	const notes = 10
	srv := storetest.StartRedis(t)
	fake := pdtest.New(t, testPDToken)
	fake.AddToken(testPDToken2)
	integ := noctuary.Integration{ID: "default", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: testPDToken, ExtraTokens: []noctuary.Secret{testPDToken2}, From: "noctuary@example.com", APIURL: fake.URL}
	st, err := store.Open(context.Background(), srv.URL, store.Options{Integrations: []noctuary.Integration{integ}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	pager, _, _ := newPagerAdmin(&config.Config{PagerDutyRateLimit: 960}, st, slog.New(slog.DiscardHandler), nil, time.Now)
	opt, err := redis.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pager.AddNote(ctx, "default", "Q1", "first"); err != nil { // the key record's first_seen, the scripts loaded
		t.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range notes {
		if err := pager.AddNote(ctx, "default", "Q1", fmt.Sprintf("note %d", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	calls := commandStats(t, rdb)
	t.Logf("Redis commands for %d notes: %v", notes, calls)
	if calls["hgetall"] != notes {
		t.Errorf("the key record was read %d times for %d calls; want once a call", calls["hgetall"], notes)
	}
}

// commandStats returns how many times Redis ran each command since its
// last CONFIG RESETSTAT (INFO commandstats; commands a script runs count
// too), INFO and CONFIG RESETSTAT left out.
func commandStats(t *testing.T, rdb *redis.Client) map[string]int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if n, _, _ := strings.Cut(rest, ","); ok && name != "info" && name != "config|resetstat" {
			out[name], _ = strconv.Atoi(n)
		}
	}
	return out
}

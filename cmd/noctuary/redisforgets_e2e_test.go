package main

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// wipeWithin bounds how long Noctuary may take to note an incident after
// Redis lost its data; the promise is 60 s, this is well under it.
const wipeWithin = 15 * time.Second

// rawRedis is a plain client to the env's redis-server, to wipe and inspect it.
func (e *env) rawRedis() *redis.Client {
	e.t.Helper()
	opt, err := redis.ParseURL(e.redis.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	e.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// metric returns the value of the sample whose line starts with series
// (name and labels) on /metrics, 0 when there is none.
func (e *env) metric(series string) float64 {
	e.t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.t.Fatalf("%s: %v", sc.Text(), err)
			}
			return f
		}
	}
	return 0
}

// groups returns the consumer groups of stream.
func groups(t *testing.T, rdb *redis.Client, stream string) []string {
	t.Helper()
	infos, err := rdb.XInfoGroups(context.Background(), stream).Result()
	if err != nil && !strings.Contains(err.Error(), "no such key") {
		t.Fatal(err)
	}
	var out []string
	for _, g := range infos {
		out = append(out, g.Name)
	}
	return out
}

// waitSlackPosts waits until the fake Slack received n messages.
func waitSlackPosts(t *testing.T, fake *fakeSlack, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(fake.posts()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d Slack messages after %s, want %d", len(fake.posts()), within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFlushAllMidRunNextIncidentIsNoted: Redis loses everything (FLUSHALL)
// while Noctuary runs; the next incident of a declared, enabled service is
// noted and mirrored promptly, the consumer groups are back and the recovery
// is counted.
func TestFlushAllMidRunNextIncidentIsNoted(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	rdb := e.rawRedis()
	ctx := context.Background()
	e.sendWebhook(webhook("EV-BEFORE", noctuary.EventIncidentTriggered, "QBEFORE", "PCHECKOUT", onsetAt()))
	e.waitNotes("QBEFORE", 1, 10*time.Second)
	waitSlackPosts(t, fake, 1, 10*time.Second)

	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	wiped := time.Now()
	e.sendWebhook(webhook("EV-AFTER", noctuary.EventIncidentTriggered, "QAFTER", "PCHECKOUT", onsetAt()))
	e.waitNotes("QAFTER", 1, wipeWithin)
	t.Logf("noted %s after the FLUSHALL", time.Since(wiped).Round(time.Millisecond))
	waitSlackPosts(t, fake, 2, wipeWithin)
	e.waitPendingZero(5 * time.Second)

	if got := groups(t, rdb, "noctuary:webhooks"); !slices.Contains(got, "triage") {
		t.Errorf("groups of noctuary:webhooks = %v, want triage", got)
	}
	if got := groups(t, rdb, "noctuary:v1:slack:jobs"); !slices.Contains(got, "slack") {
		t.Errorf("groups of noctuary:v1:slack:jobs = %v, want slack", got)
	}
	for _, what := range []string{"declared", "webhooks_group"} {
		if n := e.metric(`noctuary_store_reseeds_total{what="` + what + `"}`); n < 1 {
			t.Errorf("noctuary_store_reseeds_total{what=%q} = %v, want at least 1", what, n)
		}
	}
	if n := e.metric(`noctuary_incidents_not_enabled_total{service="PCHECKOUT"}`); n != 0 {
		t.Errorf("the incident was counted as not enabled %v times", n)
	}
}

// TestFlushAllRestoredWithoutTraffic: with no incident to trigger it, the
// periodic check brings back the declared services, their PagerDuty
// mappings and both consumer groups within its period.
func TestFlushAllRestoredWithoutTraffic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	rdb := e.rawRedis()
	ctx := context.Background()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(recoverPeriod + 5*time.Second)
	for e.metric(`noctuary_store_reseeds_total{what="declared"}`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing restored %s after the FLUSHALL", recoverPeriod+5*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, key := range []string{"noctuary:service:{checkout}", "noctuary:service:{payments}",
		"noctuary:pdservice:PCHECKOUT", "noctuary:pdservice:PPAYMENTS", "noctuary:v1:integration:default"} {
		if rdb.Exists(ctx, key).Val() == 0 {
			t.Errorf("%s was not restored", key)
		}
	}
	svc, err := e.main.Store.Service(ctx, "payments")
	if err != nil || svc.Enabled || svc.Environment != "default" {
		t.Errorf("payments restored as %+v, %v; want as declared (not enabled)", svc, err)
	}
	if got := groups(t, rdb, "noctuary:webhooks"); !slices.Contains(got, "triage") {
		t.Errorf("groups of noctuary:webhooks = %v, want triage", got)
	}
	if n := e.metric(`noctuary_store_reseeds_total{what="declared"}`); n != 1 {
		t.Errorf(`noctuary_store_reseeds_total{what="declared"} = %v, want 1`, n)
	}
}

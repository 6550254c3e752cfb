package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// redisClient opens a client on the test's redis-server, to look at what
// Noctuary left there.
func (e *env) redisClient() *redis.Client {
	e.t.Helper()
	opt, err := redis.ParseURL(e.redis.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	c := redis.NewClient(opt)
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestHangingSlackDeadLettersEachJobOnce: with chat.postMessage never
// answering, each call gives up at its deadline, the PagerDuty notes are
// posted, and each mirror job is dead-lettered exactly once after its 5th
// delivery, never while a worker still holds it.
func TestHangingSlackDeadLettersEachJobOnce(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	fake.hang["chat.postMessage"] = true
	e := newEnv(t, withSlack(fake))
	rdb, ctx := e.redisClient(), context.Background()
	const incidents = 3
	for i := range incidents {
		id := fmt.Sprintf("QHANG%d", i)
		e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", onsetAt()))
		e.waitNotes(id, 1, 10*time.Second)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		dead, _ := rdb.XLen(ctx, "{noctuary:v1:slack:jobs}:dead").Result()
		queued, _ := rdb.XLen(ctx, "noctuary:v1:slack:jobs").Result()
		if dead >= incidents && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: %d dead-lettered, %d still queued; want %d and 0", dead, queued, incidents)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a worker still holding a job would dead-letter it again by now
	entries, err := rdb.XRange(ctx, "{noctuary:v1:slack:jobs}:dead", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[any]bool{}
	for _, m := range entries {
		if seen[m.Values["stream_id"]] {
			t.Errorf("job %v dead-lettered twice", m.Values["stream_id"])
		}
		seen[m.Values["stream_id"]] = true
	}
	if len(entries) != incidents {
		t.Errorf("%d dead-lettered entries for %d jobs, want one each", len(entries), incidents)
	}
	if n := len(fake.posts()); n < 5*incidents {
		t.Errorf("%d chat.postMessage attempts, want at least 5 per job", n)
	}
}

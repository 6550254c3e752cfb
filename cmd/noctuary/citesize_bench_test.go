package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// BenchmarkTriageBytes measures what one triage leaves in Redis with a
// dense window: 3,000 ContextEvents of checkout and its dependency in the
// 30 minutes before onset. Each iteration triages one incident through
// Main (webhook → note → Slack message). It reports the bytes of the
// triage key and of the Slack message record (MEMORY USAGE, averaged), and
// Redis' used_memory growth per triage (every key the triage wrote:
// incident state, dedupe, audit, … as well).
func BenchmarkTriageBytes(b *testing.B) {
	fake := newFakeSlack(b)
	e := newEnv(b, func(c *config.Config) {
		withSlack(fake)(c)
		c.PagerDutyRateLimit = 100_000 // measure storage, not the budget
	})
	rdb := e.redisClient()
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second)
	e.sendEvents(denseWindow(at, 3000)...)
	before := usedMemory(b, rdb)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("QBYTES%d", i)
		e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
		e.waitNotes(id, 1, 30*time.Second)
		for len(fake.posts()) < i+1 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	b.StopTimer()
	e.waitPendingZero(30 * time.Second)
	grown := usedMemory(b, rdb) - before
	var triage, msg int64
	for i := range b.N {
		st, err := e.main.Store.IncidentState(ctx, fmt.Sprintf("QBYTES%d", i))
		if err != nil {
			b.Fatal(err)
		}
		triage += rdb.MemoryUsage(ctx, "noctuary:v1:triage:"+st.TriageID, 0).Val()
		msg += waitRecord(b, rdb, "noctuary:v1:slackmsg:"+st.Incident.ID)
	}
	b.ReportMetric(float64(triage)/float64(b.N), "triage-key-bytes/op")
	b.ReportMetric(float64(msg)/float64(b.N), "slackmsg-bytes/op")
	b.ReportMetric(float64(grown)/float64(b.N), "redis-bytes/triage")
}

// waitRecord returns the MEMORY USAGE of an incident's Slack message record
// once it names the posted message.
func waitRecord(b *testing.B, rdb *redis.Client, key string) int64 {
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.HGet(ctx, key, "ts").Val() == "" {
		if time.Now().After(deadline) {
			b.Fatalf("%s never recorded its message", key)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return rdb.MemoryUsage(ctx, key, 0).Val()
}

// usedMemory returns Redis' used_memory.
func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	return int64(redisInfo(b, rdb, "memory")["used_memory"])
}

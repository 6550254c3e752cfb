package main

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// TestSlowTriageKeepsItsEntry: with two replicas and a PagerDuty whose note
// POST takes 6 times NOCTUARY_CLAIM_IDLE, the running triage renews its
// webhook entry, so that neither replica reclaims it: the note is posted
// once, the entry stays with the consumer that read it on its first
// delivery, and nothing is dead-lettered.
func TestSlowTriageKeepsItsEntry(t *testing.T) {
	t.Parallel()
	const claimIdle, slowPost = 500 * time.Millisecond, 3 * time.Second
	e := newEnv(t, func(c *config.Config) { c.ClaimIdle = claimIdle })
	second := e.start(e.cfg)
	rdb := e.rawRedis()
	ctx := context.Background()
	pending := make(chan []redis.XPendingExt, 1)
	e.pd.OnNote(func(pdtest.Note) {
		time.Sleep(slowPost)
		p, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "noctuary:webhooks", Group: "triage", Start: "-", End: "+", Count: 10}).Result()
		if err != nil {
			t.Errorf("XPENDING: %v", err)
		}
		select {
		case pending <- p:
		default:
		}
	})

	e.sendWebhook(webhook("EV-SLOW", noctuary.EventIncidentTriggered, "QSLOW", "PCHECKOUT", onsetAt()))
	first := waitPendingEntry(t, rdb, claimIdle/2)
	var during []redis.XPendingExt
	select {
	case during = <-pending:
	case <-time.After(slowPost + 10*time.Second):
		t.Fatal("no note was posted")
	}
	if len(during) != 1 || during[0].Consumer != first.Consumer || during[0].RetryCount != 1 {
		t.Fatalf("while the note was posted, pending = %+v; want only the entry, with %s on delivery 1", during, first.Consumer)
	}
	e.waitPendingZero(5 * time.Second)
	time.Sleep(4 * claimIdle) // a second note would come now
	if n := len(e.pd.Notes("QSLOW")); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	for _, m := range []*Main{e.main, second} {
		if dead, err := m.Store.DeadWebhooks(ctx, 10); err != nil || len(dead) != 0 {
			t.Fatalf("dead letters %+v (%v), want none", dead, err)
		}
	}
}

// waitPendingEntry waits, at most within, for the one webhook entry to be
// taken, and returns it as XPENDING shows it.
func waitPendingEntry(t *testing.T, rdb *redis.Client, within time.Duration) redis.XPendingExt {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p, err := rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{Stream: "noctuary:webhooks", Group: "triage", Start: "-", End: "+", Count: 10}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 1 {
			return p[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no webhook entry taken within %s: %+v", within, p)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

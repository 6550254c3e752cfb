package pd

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestBudgetQueueDrainsInBatches: 2 urgent and 20 low-urgency requests wait
// for a spent budget. When 12 requests free up, exactly 12 go, the urgent
// ones and the first 10 low-urgency ones in order of arrival, in two asks
// of the shared budget per class rather than one per request; the other 10
// go when the budget frees up again.
func TestBudgetQueueDrainsInBatches(t *testing.T) {
	lim := &gateLimiter{}
	c, err := NewClient(noctuary.Integration{ID: "prod", Token: testToken, From: testFrom}, ClientOptions{Limiter: lim, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i := range 22 {
		name, prec := fmt.Sprintf("low-%02d", i), noctuary.Precedence{Since: t0.Add(time.Duration(i) * time.Second)}
		if i >= 20 {
			name, prec = fmt.Sprintf("high-%d", i-20), noctuary.Precedence{Urgent: true, Since: t0.Add(time.Duration(i) * time.Second)}
		}
		wg.Go(func() {
			if _, _, err := c.await(context.Background(), name, prec, anyKey, true); err != nil {
				t.Error(err)
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
		})
	}
	waitFor(t, func() bool { return queued(c) == 22 })
	lim.mu.Lock()
	lim.tokens, lim.taking = 12, 0
	lim.mu.Unlock()
	waitFor(t, func() bool { return queued(c) == 10 })
	time.Sleep(20 * time.Millisecond) // none beyond the 12 goes
	lim.mu.Lock()
	asks := lim.taking
	lim.mu.Unlock()
	// Who went is read from who still waits: a request that went notes its
	// turn only after the next one may have gone.
	var want []noctuary.Precedence
	for i := 10; i < 20; i++ {
		want = append(want, noctuary.Precedence{Since: t0.Add(time.Duration(i) * time.Second)})
	}
	if got := waitingPrecs(c); !slices.Equal(got, want) {
		t.Fatalf("still waiting %v, want the last 10 low-urgency requests %v", got, want)
	}
	// Each class's first ask is for one request (what the bucket holds is
	// not known yet), its next for what it then held.
	if asks > 4 {
		t.Errorf("%d asks of the shared budget took requests, want at most 4 (two per class)", asks)
	}
	lim.grant(10)
	wg.Wait()
	if len(order) != 22 {
		t.Fatalf("%d went, want 22", len(order))
	}
}

// waitingPrecs returns the precedence of each request waiting in c's
// queue, by Since.
func waitingPrecs(c *Client) []noctuary.Precedence {
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	out := make([]noctuary.Precedence, 0, len(c.queue.waiting))
	for _, w := range c.queue.waiting {
		out = append(out, w.prec)
	}
	return bySince(out)
}

// bySince sorts ps by Since, in place, and returns it.
func bySince(ps []noctuary.Precedence) []noctuary.Precedence {
	slices.SortFunc(ps, func(a, b noctuary.Precedence) int { return a.Since.Compare(b.Since) })
	return ps
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

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
// ones first and the others in order of arrival, in two asks of the shared
// budget per class rather than one per request; the other 10 go when the
// budget frees up again.
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
	mu.Lock()
	first := slices.Clone(order)
	mu.Unlock()
	want := []string{"high-0", "high-1"}
	for i := range 10 {
		want = append(want, fmt.Sprintf("low-%02d", i))
	}
	if !slices.Equal(first, want) {
		t.Fatalf("went %v, want %v", first, want)
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

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

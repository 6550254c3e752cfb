package pd

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/internal/logtest"
)

// gateLimiter answers "wait" until a request is let through with grant, and
// records the order requests were granted in.
type gateLimiter struct {
	mu     sync.Mutex
	tokens int
	taking int // ReserveUpTo calls that took requests
}

func (l *gateLimiter) ReserveUpTo(_ context.Context, _ string, _, _, n int) (int, int, time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tokens == 0 {
		return 0, 0, time.Millisecond, nil
	}
	l.taking++
	taken := min(n, l.tokens)
	l.tokens -= taken
	return taken, l.tokens, 0, nil
}

func (l *gateLimiter) Block(context.Context, string, time.Duration) error { return nil }

func (l *gateLimiter) grant(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens += n
}

// TestBudgetGoesToTheMostUrgentFirst: while the key's budget is spent,
// requests wait; as it frees up, a high-urgency request that came last goes
// first, then P1 before no priority, then the low-urgency ones in order of
// arrival. One line is logged when the budget starts delaying requests, one
// when it has caught up.
func TestBudgetGoesToTheMostUrgentFirst(t *testing.T) {
	lim := &gateLimiter{}
	var logs logtest.Buffer
	c, err := NewClient(noctuary.Integration{ID: "prod", Token: testToken, From: testFrom},
		ClientOptions{Limiter: lim, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	reqs := []struct {
		name string
		prec noctuary.Precedence
	}{
		{"low-1", noctuary.Precedence{Since: t0}},
		{"low-2", noctuary.Precedence{Since: t0.Add(time.Second)}},
		{"low-P1", noctuary.Precedence{Priority: 1, Since: t0.Add(2 * time.Second)}},
		{"high", noctuary.Precedence{Urgent: true, Since: t0.Add(3 * time.Second)}},
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for _, r := range reqs {
		wg.Go(func() {
			if _, _, err := c.await(context.Background(), r.name, r.prec, anyKey, true); err != nil {
				t.Error(err)
			}
			mu.Lock()
			order = append(order, r.name)
			mu.Unlock()
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for queued(c) < len(reqs) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for range reqs {
		lim.grant(1)
		time.Sleep(20 * time.Millisecond) // one grant at a time
	}
	wg.Wait()
	want := []string{"high", "low-P1", "low-1", "low-2"}
	if len(order) != len(want) {
		t.Fatalf("granted %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("granted in order %v, want %v", order, want)
		}
	}
	out := logs.String()
	if strings.Count(out, "budget is spent") != 1 || strings.Count(out, "caught up") != 1 {
		t.Errorf("want one line when delays start and one when they end:\n%s", out)
	}
}

func queued(c *Client) int {
	c.queue.mu.Lock()
	defer c.queue.mu.Unlock()
	return len(c.queue.waiting)
}

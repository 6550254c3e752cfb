package pd

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
)

// urgentShare is the part of a key's burst that only urgent requests (high
// urgency) may take: across replicas, low-urgency requests leave it to them.
const urgentShare = 4 // a quarter

// batchMax bounds how many requests one ask of the shared budget takes, for
// the asker and the requests of its class (urgent or not) queued behind it;
// those go in turn without asking again. An ask is for no more than the
// bucket held after the last one (plus the asker's): while the budget is
// short, each request asks alone, as a bucket asked for more than it holds
// spends its fractions of a request. grantTTL is how long such taken
// requests wait for theirs: any left after it are dropped (a little of the
// budget unused, never more spent).
const (
	batchMax = 32
	grantTTL = time.Second
)

// budgetQueue orders one process's requests waiting for a key's shared
// budget by precedence (noctuary.Precedence): only the first asks the
// shared budget, so that when it is short the most urgent goes first and
// the others keep their order. It logs once when the budget starts
// delaying requests and once when it has caught up.
type budgetQueue struct {
	mu      sync.Mutex
	waiting waiters
	seq     uint64
	// delaying is set from the first request told to wait until the queue
	// is empty again; delayed counts the requests that waited meanwhile.
	delaying bool
	delayed  int
	since    time.Time
	// grants are requests taken from the shared budget and not yet handed
	// to a waiter, by class (urgent: 1), and when they were taken; left is
	// how many whole requests the bucket held after the class's last ask.
	grants   [2]int
	grantsAt [2]time.Time
	left     [2]int
}

// class indexes budgetQueue.grants: 1 for an urgent request, else 0.
func class(p noctuary.Precedence) int {
	if p.Urgent {
		return 1
	}
	return 0
}

// takeGrant hands w one of the requests taken for its class, if any is
// left and fresh.
func (q *budgetQueue) takeGrant(w *waiter) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := class(w.prec)
	if q.grants[c] == 0 || time.Since(q.grantsAt[c]) > grantTTL {
		q.grants[c] = 0
		return false
	}
	q.grants[c]--
	return true
}

// batch is how many requests w asks the shared budget for: the waiters of
// its class, w included, at most batchMax and one more than the bucket held
// after the class's last ask.
func (q *budgetQueue) batch(w *waiter) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := min(batchMax, q.left[class(w.prec)]+1)
	n := 0
	for _, o := range q.waiting {
		if o.prec.Urgent == w.prec.Urgent {
			if n++; n == limit {
				break
			}
		}
	}
	return max(n, 1)
}

// taken records an ask of w's class: n requests taken for the waiters
// behind w (n may be 0), and left the whole requests the bucket still holds.
func (q *budgetQueue) taken(w *waiter, n, left int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := class(w.prec)
	q.grants[c], q.grantsAt[c], q.left[c] = q.grants[c]+n, time.Now(), left
}

// waiter is one request in the queue; turn is signalled when it is first.
type waiter struct {
	prec  noctuary.Precedence
	seq   uint64
	index int
	turn  chan struct{}
}

// waiters is a heap of waiters, the first by precedence, then by arrival.
type waiters []*waiter

func (w waiters) Len() int { return len(w) }
func (w waiters) Less(i, j int) bool {
	a, b := w[i], w[j]
	if a.prec.Before(b.prec) != b.prec.Before(a.prec) {
		return a.prec.Before(b.prec)
	}
	return a.seq < b.seq
}
func (w waiters) Swap(i, j int) {
	w[i], w[j] = w[j], w[i]
	w[i].index, w[j].index = i, j
}
func (w *waiters) Push(x any) {
	v := x.(*waiter)
	v.index = len(*w)
	*w = append(*w, v)
}
func (w *waiters) Pop() any {
	old := *w
	v := old[len(old)-1]
	*w = old[:len(old)-1]
	return v
}

// join queues a request, signalling it at once if it is first.
func (q *budgetQueue) join(p noctuary.Precedence) *waiter {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	w := &waiter{prec: p, seq: q.seq, turn: make(chan struct{}, 1)}
	heap.Push(&q.waiting, w)
	q.signalFirst()
	return w
}

// leave takes w out of the queue and signals the next first. It reports
// whether the queue is now empty after a spell of delays (and so how many
// were delayed, and since when).
func (q *budgetQueue) leave(w *waiter) (caughtUp bool, delayed int, since time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	heap.Remove(&q.waiting, w.index)
	q.signalFirst()
	if len(q.waiting) > 0 || !q.delaying {
		return false, 0, time.Time{}
	}
	q.delaying = false
	return true, q.delayed, q.since
}

// first reports whether w is first in the queue.
func (q *budgetQueue) first(w *waiter) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting) > 0 && q.waiting[0] == w
}

// delay records that a request must wait (once per request); it reports
// whether this starts a spell of delays.
func (q *budgetQueue) delay() (started bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delayed++
	if q.delaying {
		return false
	}
	q.delaying, q.delayed, q.since = true, 1, time.Now()
	return true
}

func (q *budgetQueue) signalFirst() {
	if len(q.waiting) == 0 {
		return
	}
	select {
	case q.waiting[0].turn <- struct{}{}:
	default:
	}
}

// await takes one request from the key's shared budget for a request of
// precedence p, waiting its turn (most urgent first, then first come) for
// as long as ctx allows. The first in turn asks for the requests of its
// class queued behind it too (at most batchMax), so that a queue drains at
// one ask of Redis per batch rather than per request. A wait that would outlive ctx's deadline ends at
// once with an EUnavailable error that says how long to wait (and, with
// notSent, that the call surely wrote nothing). It returns how long it
// waited.
func (c *Client) await(ctx context.Context, what string, p noctuary.Precedence, notSent bool) (time.Duration, error) {
	if c.limiter == nil {
		return 0, nil
	}
	start, delayed := time.Now(), false
	w := c.queue.join(p)
	defer func() {
		if caughtUp, n, since := c.queue.leave(w); caughtUp {
			c.log.Info("the PagerDuty request budget caught up: requests go at once again", "integration", c.integration,
				"delayed", n, "for", time.Since(since).Round(time.Second))
		}
	}()
	for {
		select {
		case <-w.turn:
		case <-ctx.Done():
			return time.Since(start), c.cancelled(ctx, what)
		}
		if !c.queue.first(w) {
			continue // a more urgent request came in; it asks first
		}
		if c.queue.takeGrant(w) {
			c.metrics.budgetWaited(p, time.Since(start))
			return time.Since(start), nil
		}
		taken, left, wait, err := c.limiter.ReserveUpTo(ctx, c.bucket, c.budget, c.burstFor(p), c.queue.batch(w))
		if err != nil {
			return time.Since(start), noctuary.Wrap(err, noctuary.EUnavailable, "The shared PagerDuty request budget could not be checked.")
		}
		if taken > 0 {
			c.queue.taken(w, taken-1, left)
			c.metrics.budgetWaited(p, time.Since(start))
			return time.Since(start), nil
		}
		if pastDeadline(ctx, wait) {
			return time.Since(start), noctuary.Wrap(&RetryableError{RetryAfter: wait, Err: errBudgetSpent, notSent: notSent}, noctuary.EUnavailable, fmt.Sprintf(
				"The PagerDuty request budget of integration %q is spent; retry in %s.", c.integration, roundWait(wait)))
		}
		if !delayed && c.queue.delay() {
			c.log.Warn("the PagerDuty request budget is spent: requests wait, most urgent first", "integration", c.integration,
				"requests_per_minute", c.budget, "burst", c.burst, "wait", roundWait(wait))
		}
		delayed = true
		if err := c.sleep(ctx, wait); err != nil {
			return time.Since(start), c.cancelled(ctx, what)
		}
		select { // ask again: still first unless someone more urgent came
		case w.turn <- struct{}{}:
		default:
		}
	}
}

// burstFor is the part of the key's burst a request of precedence p may
// take: all of it when urgent, else all but the urgent share.
func (c *Client) burstFor(p noctuary.Precedence) int {
	if p.Urgent {
		return c.burst
	}
	return max(c.burst-c.burst/urgentShare, 1)
}

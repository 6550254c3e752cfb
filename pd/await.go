package pd

import (
	"context"
	"fmt"
	"time"

	"github.com/noctuary/noctuary"
)

// await takes one request from the shared budget of one of the client's
// keys (key, or anyKey: whichever has room) for a request of precedence p,
// waiting its turn (most urgent first, then first come) for as long as ctx
// allows. The first in turn asks each key's budget in turn until one has
// room, and for the requests of its class queued behind it too (at most
// batchMax), so that a queue drains at one ask of Redis per batch rather
// than per request; it waits only when every key is spent, for the
// shortest wait. A wait that would outlive ctx's deadline ends at once with
// an EUnavailable error that says how long to wait (and, with notSent, that
// the call surely wrote nothing). It returns the index of the key to send
// with (in c.keys) and how long it waited.
func (c *Client) await(ctx context.Context, what string, p noctuary.Precedence, key int, notSent bool) (int, time.Duration, error) {
	if c.limiter == nil {
		return c.queue.order(key)[0], 0, nil
	}
	start, delayed := time.Now(), false
	w := c.queue.join(p, key)
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
			return -1, time.Since(start), c.cancelled(ctx, what)
		}
		if !c.queue.first(w) {
			continue // a more urgent request came in; it asks first
		}
		k := c.queue.takeGrant(w, key)
		wait, err := time.Duration(0), error(nil)
		if k < 0 {
			k, wait, err = c.ask(ctx, w)
		}
		if err != nil {
			return -1, time.Since(start), noctuary.Wrap(err, noctuary.EUnavailable, "The shared PagerDuty request budget could not be checked.")
		}
		if k >= 0 {
			c.metrics.budgetWaited(p, time.Since(start))
			return k, time.Since(start), nil
		}
		if pastDeadline(ctx, wait) {
			return -1, time.Since(start), noctuary.Wrap(&RetryableError{RetryAfter: wait, Err: errBudgetSpent, notSent: notSent}, noctuary.EUnavailable, fmt.Sprintf(
				"The PagerDuty request budget of integration %q is spent; retry in %s.", c.integration, roundWait(wait)))
		}
		if !delayed && c.queue.delay() {
			c.log.Warn("the PagerDuty request budget is spent: requests wait, most urgent first", "integration", c.integration,
				"keys", len(c.keys), "requests_per_minute", c.budget, "burst", c.burst, "wait", roundWait(wait))
		}
		delayed = true
		if err := c.sleep(ctx, wait); err != nil {
			return -1, time.Since(start), c.cancelled(ctx, what)
		}
		select { // ask again: still first unless someone more urgent came
		case w.turn <- struct{}{}:
		default:
		}
	}
}

// ask asks the shared budget of each of w's keys in turn (budgetQueue.order)
// for w's batch. It returns the first key that had room, having recorded
// the requests taken for the waiters behind w; else -1 and the shortest
// wait before a key has room.
func (c *Client) ask(ctx context.Context, w *waiter) (int, time.Duration, error) {
	var wait time.Duration
	for i, k := range c.queue.order(w.key) {
		taken, left, d, err := c.limiter.ReserveUpTo(ctx, c.keys[k].bucket, c.budget, c.burstFor(w.prec), c.queue.batch(w, k))
		if err != nil {
			return -1, 0, err
		}
		if taken > 0 {
			c.queue.taken(w, k, taken-1, left)
			return k, 0, nil
		}
		if i == 0 || d < wait {
			wait = d
		}
	}
	return -1, wait, nil
}

// burstFor is the part of a key's burst a request of precedence p may
// take: all of it when urgent, else all but the urgent share.
func (c *Client) burstFor(p noctuary.Precedence) int {
	if p.Urgent {
		return c.burst
	}
	return max(c.burst-c.burst/urgentShare, 1)
}

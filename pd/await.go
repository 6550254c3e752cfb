package pd

import (
	"context"
	"fmt"
	"time"

	"github.com/noctuary/noctuary"
)

// await takes one request from the shared budget of one of the client's
// keys (key, or anyKey: whichever has room) for a request of precedence p.
// A request tied to one key (CheckKey) asks that key's budget alone,
// outside the queue (awaitKey), so that it never holds the requests that
// may go with another key behind it. The others wait their turn (most
// urgent first, then first come) for as long as ctx allows. The first in
// turn asks each key's budget in turn until one has room, and for the
// requests of its class queued behind it too (at most batchMax), so that a
// queue drains at one ask of Redis per batch rather than per request; it
// waits only when every key is spent, for the shortest wait. A wait that
// would outlive ctx's deadline ends at once with an EUnavailable error that
// says how long to wait (and, with notSent, that the call surely wrote
// nothing). It returns the index of the key to send with (in c.keys) and
// how long it waited.
func (c *Client) await(ctx context.Context, what string, p noctuary.Precedence, key int, notSent bool) (int, time.Duration, error) {
	switch {
	case key != anyKey && c.limiter == nil:
		return key, 0, nil
	case key != anyKey:
		return c.awaitKey(ctx, what, p, key, notSent)
	case c.limiter == nil:
		return c.queue.order()[0], 0, nil
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
			return -1, time.Since(start), c.cancelled(ctx, what)
		}
		if !c.queue.first(w) {
			continue // a more urgent request came in; it asks first
		}
		k := c.queue.takeGrant(w)
		wait, err := time.Duration(0), error(nil)
		if k < 0 {
			k, wait, err = c.ask(ctx, w)
		}
		if err != nil {
			return -1, time.Since(start), budgetUnchecked(err)
		}
		if k >= 0 {
			c.metrics.budgetWaited(p, time.Since(start))
			return k, time.Since(start), nil
		}
		if pastDeadline(ctx, wait) {
			return -1, time.Since(start), c.spent(wait, notSent)
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
	for i, k := range c.queue.order() {
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

// awaitKey takes one request from the shared budget of key alone, waiting
// while it is spent for as long as ctx allows; see await.
func (c *Client) awaitKey(ctx context.Context, what string, p noctuary.Precedence, key int, notSent bool) (int, time.Duration, error) {
	start := time.Now()
	for {
		taken, _, wait, err := c.limiter.ReserveUpTo(ctx, c.keys[key].bucket, c.budget, c.burstFor(p), 1)
		switch {
		case err != nil:
			return -1, time.Since(start), budgetUnchecked(err)
		case taken > 0:
			c.metrics.budgetWaited(p, time.Since(start))
			return key, time.Since(start), nil
		case pastDeadline(ctx, wait):
			return -1, time.Since(start), c.spent(wait, notSent)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return -1, time.Since(start), c.cancelled(ctx, what)
		}
	}
}

// spent is the error of a request that cannot wait the budget's wait.
func (c *Client) spent(wait time.Duration, notSent bool) error {
	return noctuary.Wrap(&RetryableError{RetryAfter: wait, Err: errBudgetSpent, notSent: notSent}, noctuary.EUnavailable, fmt.Sprintf(
		"The PagerDuty request budget of integration %q is spent; retry in %s.", c.integration, roundWait(wait)))
}

func budgetUnchecked(err error) error {
	return noctuary.Wrap(err, noctuary.EUnavailable, "The shared PagerDuty request budget could not be checked.")
}

// burstFor is the part of a key's burst a request of precedence p may
// take: all of it when urgent, else all but the urgent share.
func (c *Client) burstFor(p noctuary.Precedence) int {
	if p.Urgent {
		return c.burst
	}
	return max(c.burst-c.burst/urgentShare, 1)
}

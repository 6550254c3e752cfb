package pd

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/noctuary/noctuary"
)

var errBudgetSpent = errors.New("shared request budget spent")

// landedFunc reports whether an earlier, ambiguous attempt of a write took
// effect after all (the request reached PagerDuty but the answer was lost).
type landedFunc func(ctx context.Context) (bool, error)

// sendFunc makes one HTTP request through api, the go-pagerduty client of
// the key whose budget it was granted.
type sendFunc func(ctx context.Context, api *pagerduty.Client) error

// call runs fn until it succeeds, fails for good, or the call has spent
// MaxAttempts or MaxWait. fn must make exactly one HTTP request through
// the api it is given, so that each attempt draws once from the shared
// budget of that key; each attempt goes with whichever key had room. The
// first attempt waits its turn for the budget (precedence p) as long as
// ctx allows; from then on the call is bounded by MaxWait. When landed is
// set and an attempt failed ambiguously (transport error or 5xx), it is
// asked before the next attempt, so that a write is not repeated.
func (c *Client) call(ctx context.Context, what string, p noctuary.Precedence, fn sendFunc, landed landedFunc) error {
	return c.callKey(ctx, what, p, anyKey, fn, landed)
}

// callKey is call with every attempt sent with key (anyKey: any).
func (c *Client) callKey(ctx context.Context, what string, p noctuary.Precedence, key int, fn sendFunc, landed landedFunc) error {
	k, _, err := c.await(ctx, what, p, key, true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.maxWait)
	defer cancel()
	ambiguous, reached := false, false
	for attempt := 1; ; attempt++ {
		if ambiguous && landed != nil {
			if done, err := landed(ctx); err != nil || done {
				return err
			}
		}
		if attempt > 1 {
			if k, _, err = c.await(ctx, what, p, key, !reached); err != nil {
				return err
			}
		}
		api := c.keys[k].api
		re, err := c.attempt(ctx, what, func(ctx context.Context) error { return fn(ctx, api) })
		if re == nil {
			return err
		}
		reached = reached || re.StatusCode != http.StatusTooManyRequests
		re.notSent = !reached
		c.block(ctx, c.keys[k].bucket, re)
		if re.RetryAfter <= 0 {
			re.RetryAfter = c.backoff(attempt)
		}
		if attempt >= c.maxAttempts || pastDeadline(ctx, re.RetryAfter) {
			return noctuary.Wrap(re, noctuary.EUnavailable, fmt.Sprintf(
				"PagerDuty did not accept the request to %s after %d attempt(s); retry in %s.", what, attempt, roundWait(re.RetryAfter)))
		}
		c.log.Warn("PagerDuty request failed; retrying", "integration", c.integration, "request", what,
			"attempt", attempt, "status", re.StatusCode, "wait", re.RetryAfter, "error", re.Err)
		if err := c.sleep(ctx, re.RetryAfter); err != nil {
			return c.cancelled(ctx, what)
		}
		ambiguous = re.StatusCode == 0 || re.StatusCode >= 500
	}
}

// attempt runs fn once. It returns a *RetryableError (with the wait before
// the next attempt) when the failure may pass, else fn's final outcome.
func (c *Client) attempt(ctx context.Context, what string, fn func(context.Context) error) (*RetryableError, error) {
	cp := &capture{}
	err := fn(context.WithValue(ctx, captureKey{}, cp))
	if err == nil {
		return nil, nil
	}
	if ctx.Err() != nil {
		return nil, c.cancelled(ctx, what)
	}
	re, final := c.classify(what, err, cp)
	if final != nil {
		return nil, final
	}
	re.RetryAfter = cp.retryAfter
	if cp.capped {
		c.log.Warn("PagerDuty's Retry-After is longer than Noctuary waits; waiting the cap", "integration", c.integration,
			"request", what, "cap", maxRetryAfter)
	}
	return re, nil
}

// block holds every request with the key of bucket, on every replica, for
// as long as PagerDuty's 429 asked: its limit is per key, not per incident.
// The client's other keys go on.
func (c *Client) block(ctx context.Context, bucket string, re *RetryableError) {
	if c.limiter == nil || re.StatusCode != http.StatusTooManyRequests || re.RetryAfter <= 0 {
		return
	}
	if err := c.limiter.Block(ctx, bucket, re.RetryAfter); err != nil {
		c.log.Warn("cannot hold the other PagerDuty requests of this key; only this one waits",
			"integration", c.integration, "wait", re.RetryAfter, "error", err)
	}
}

func (c *Client) cancelled(ctx context.Context, what string) error {
	return noctuary.Wrap(ctx.Err(), noctuary.EUnavailable, "The request to "+what+" was cancelled before PagerDuty accepted it.")
}

// pastDeadline reports whether waiting d would outlive ctx's deadline.
func pastDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

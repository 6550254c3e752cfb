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
		re, err := c.send(ctx, what, p, key, &k, !reached, fn)
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

// send makes one attempt with key *k. When PagerDuty refuses an extra key
// itself (keyRefused: it did nothing) it takes that key out of rotation and,
// if the call may go with any key, sends at once with another (await,
// drawing from that key's budget), until one is not refused; *k is the key
// that answered. The main key is never taken out: its refusal is final, so
// that the caller can fall back from a freshly rotated main key (and does
// not confirm one PagerDuty refuses). A 403 for want of a permission (the
// key's user may not act on this incident) is final with the main key; with
// an extra key it is sent once more with the main key, which tells whether
// the extra key alone was at fault (read-only: PagerDuty answers its writes
// 403, and its check, a read, cannot tell), and then takes it out, or the
// user's rights (the main key refused too: final, no key set aside). With
// extra keys, the error of a 401 or 403 says which key it was.
func (c *Client) send(ctx context.Context, what string, p noctuary.Precedence, key int, k *int, notSent bool, fn sendFunc) (*RetryableError, error) {
	forbidden := 0 // the extra key refused 403 for this request, if any
	for {
		api := c.keys[*k].api
		re, err := c.attempt(ctx, what, func(ctx context.Context) error { return fn(ctx, api) })
		status := apiStatus(err)
		if forbidden > 0 && re == nil && err == nil {
			c.takeOut(forbidden, http.StatusForbidden) // the main key could
		}
		if re != nil || len(c.keys) == 1 || (status != http.StatusUnauthorized && status != http.StatusForbidden) {
			return re, err
		}
		if *k != 0 && !keyRefused(err) && key == anyKey {
			forbidden = *k
			if *k, _, err = c.await(ctx, what, p, 0, notSent); err != nil {
				return nil, err
			}
			continue
		}
		if *k == 0 || !keyRefused(err) {
			if key == anyKey {
				err = withKeyName(err, *k)
			}
			return nil, err
		}
		c.takeOut(*k, status)
		if key != anyKey {
			return nil, err
		}
		if *k, _, err = c.await(ctx, what, p, key, notSent); err != nil {
			return nil, err
		}
	}
}

// keyOutFor is how long an extra key PagerDuty refused stays out of
// rotation, unless the credential report (CheckKey) finds it works sooner.
// A refused key is most often revoked or mistyped, and fixing it in
// pagerduty_extra_tokens makes a new client; a few minutes let a key whose
// refusal was PagerDuty's passing fault come back without a restart, at the
// cost of one refused request per key and process each time.
const keyOutFor = 5 * time.Minute

// takeOut takes the extra key k, which PagerDuty refused with status, out of
// rotation for keyOutFor, and says so once.
func (c *Client) takeOut(k, status int) {
	if c.queue.takeOut(k, time.Now().Add(keyOutFor)) {
		c.log.Warn("PagerDuty refused a key: requests go with the integration's other keys; fix or remove it in pagerduty_extra_tokens (NOCTUARY_PAGERDUTY_EXTRA_TOKENS)",
			"key", fmt.Sprintf("extra PagerDuty key %d of integration %s", k, c.integration), "status", status, "out_for", keyOutFor)
	}
}

// apiStatus returns the HTTP status of PagerDuty's answer in err's chain, 0
// if none.
func apiStatus(err error) int {
	var apiErr pagerduty.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// pdAuthenticationFailed is PagerDuty's error code for a key it does not
// accept ("Authentication failed").
const pdAuthenticationFailed = 2006

// keyRefused reports whether PagerDuty refused the request's key itself:
// 401 (REST API docs, Errors: no or wrong credentials), or error 2006
// whatever the status. A 403 otherwise (2010 Access Denied, 2018, 1018) says
// the key's user may not do this to this resource (or a read-only key may
// not write): the key is valid, and a key of a user with the same rights
// would be refused alike.
func keyRefused(err error) bool {
	return apiStatus(err) == http.StatusUnauthorized || pdErrorCode(err) == pdAuthenticationFailed
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

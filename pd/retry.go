package pd

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/noctuary/noctuary"
)

// Backoff between attempts when PagerDuty gives no Retry-After: exponential
// from baseBackoff, capped at maxBackoff, with "equal jitter" (half fixed,
// half random) so replicas do not retry in step. maxRetryAfter caps
// PagerDuty's Retry-After: a longer one is logged and waited for 1 h.
const (
	baseBackoff   = 500 * time.Millisecond
	maxBackoff    = 20 * time.Second
	maxRetryAfter = time.Hour
)

// RetryableError is the cause of an EUnavailable error from a Client call:
// PagerDuty answered 429 or 5xx, or the network failed, on every attempt the
// call could afford. RetryAfter is when trying again makes sense (PagerDuty's
// Retry-After when it gave one).
type RetryableError struct {
	// StatusCode is PagerDuty's last HTTP status; 0 for a transport error or
	// an exhausted request budget.
	StatusCode int
	// RetryAfter is how long to wait before trying again.
	RetryAfter time.Duration
	// Err is the last failure.
	Err error
	// notSent: no attempt of the call can have taken effect (each was
	// refused with 429, or never sent for want of budget).
	notSent bool
}

// Error describes the last failure.
func (e *RetryableError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("retry after %s: %v", e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("HTTP %d, retry after %s: %v", e.StatusCode, e.RetryAfter, e.Err)
}

// Unwrap returns the last failure.
func (e *RetryableError) Unwrap() error { return e.Err }

// Wait returns RetryAfter: how long to wait before trying again.
func (e *RetryableError) Wait() time.Duration { return e.RetryAfter }

// NotSent reports whether the write surely did not take effect: every
// attempt was refused with 429 or never sent for want of budget. A
// transport error or a 5xx may have reached PagerDuty, so it is not.
func (e *RetryableError) NotSent() bool { return e.notSent }

// RetryAfter returns how long to wait before retrying a call that failed with
// err, and whether err is retryable at all.
func RetryAfter(err error) (time.Duration, bool) {
	var re *RetryableError
	if errors.As(err, &re) {
		return re.RetryAfter, true
	}
	return 0, false
}

// captureKey keys the *capture of one attempt in its request context.
type captureKey struct{}

// capture is what capturingDoer saw of one attempt's response: go-pagerduty's
// APIError exposes neither Retry-After nor ratelimit-reset.
type capture struct {
	status     int
	retryAfter time.Duration
	// capped is set when PagerDuty's Retry-After exceeded maxRetryAfter.
	capped bool
	// refused is set when the guard refused the request (go-pagerduty
	// flattens the error's chain).
	refused bool
	// tokenErr is why no OAuth app token could be had for the request.
	tokenErr error
}

// capturingDoer is the go-pagerduty HTTPClient: it sends through base and
// records the response status and Retry-After in the request's capture.
type capturingDoer struct {
	base    *http.Client
	metrics *Metrics
	// key labels the requests' metrics (keyLabel).
	key string
	// tokens, when set, authorises each request with the OAuth app's
	// current bearer token.
	tokens *appTokens
}

// errWriteRefused is a request that is neither a read nor one of the two
// writes Noctuary makes; it never leaves the process.
var errWriteRefused = errors.New("Noctuary only writes notes and acknowledgements to PagerDuty")

// Do sends req and records what the retry loop needs to know. As a last
// guard (docs/architecture.md, "Safety"), it refuses every write but a note (POST
// .../incidents/{id}/notes) and the acknowledgement (PUT .../incidents).
func (d capturingDoer) Do(req *http.Request) (*http.Response, error) {
	cp, captured := req.Context().Value(captureKey{}).(*capture)
	if !allowedRequest(req.Method, req.URL.Path) {
		if captured {
			cp.refused = true
		}
		d.metrics.observe(req, d.key, nil, true)
		return nil, fmt.Errorf("%w: refused %s %s", errWriteRefused, req.Method, req.URL.Path)
	}
	if d.tokens != nil {
		tok, err := d.tokens.token(req.Context())
		if err != nil {
			if captured {
				cp.tokenErr = err
			}
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := d.base.Do(req)
	d.metrics.observe(req, d.key, resp, false)
	if d.tokens != nil && resp != nil && resp.StatusCode == http.StatusUnauthorized {
		d.tokens.forget()
	}
	if captured && resp != nil {
		cp.status = resp.StatusCode
		cp.retryAfter, cp.capped = retryAfterHeader(resp.Header, time.Now())
	}
	return resp, err
}

// allowedRequest reports whether a request of method to path is a read or
// one of the two writes Noctuary makes.
func allowedRequest(method, path string) bool {
	switch method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		rest, ok := strings.CutSuffix(path, "/notes")
		i := strings.LastIndex(rest, "/incidents/")
		return ok && i >= 0 && validID(rest[i+len("/incidents/"):])
	case http.MethodPut:
		return strings.HasSuffix(path, "/incidents")
	}
	return false
}

// retryAfterHeader reads Retry-After (seconds or an HTTP date), falling back
// to PagerDuty's ratelimit-reset (seconds); 0 when neither is usable. A wait
// beyond maxRetryAfter comes back as maxRetryAfter, with capped set.
func retryAfterHeader(h http.Header, now time.Time) (d time.Duration, capped bool) {
	for _, name := range []string{"Retry-After", "Ratelimit-Reset"} {
		v := h.Get(name)
		if v == "" {
			continue
		}
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			if secs > int64(maxRetryAfter/time.Second) {
				return maxRetryAfter, true
			}
			return time.Duration(secs) * time.Second, false
		}
		if at, err := http.ParseTime(v); err == nil && at.After(now) {
			return min(at.Sub(now), maxRetryAfter), at.Sub(now) > maxRetryAfter
		}
	}
	return 0, false
}

// backoff is the wait before attempt+1 when PagerDuty named none.
func (c *Client) backoff(attempt int) time.Duration {
	return noctuary.Backoff(attempt, baseBackoff, maxBackoff, c.jitter)
}

// classify sorts a failed attempt: a retryable failure gives a
// *RetryableError, anything else the final *noctuary.Error.
func (c *Client) classify(what string, err error, cp *capture) (*RetryableError, error) {
	if cp.refused {
		return nil, noctuary.Wrap(err, noctuary.EForbidden, "Noctuary refused to "+what+": it only writes notes and acknowledgements to PagerDuty.")
	}
	if cp.tokenErr != nil {
		return c.classifyToken(what, cp.tokenErr)
	}
	var apiErr pagerduty.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Temporary() {
			return &RetryableError{StatusCode: apiErr.StatusCode, Err: err}, nil
		}
		return nil, c.apiError(what, apiErr)
	}
	if cp.status != 0 {
		// PagerDuty answered 2xx but the body could not be decoded.
		return nil, noctuary.Wrap(err, noctuary.EInternal, "PagerDuty's answer to "+what+" could not be read.")
	}
	return &RetryableError{Err: err}, nil
}

// apiError maps a final (non-retryable) PagerDuty error to a domain error.
func (c *Client) apiError(what string, e pagerduty.APIError) error {
	switch {
	case keyRefused(e):
		return noctuary.Wrap(e, noctuary.EUnauthorized, fmt.Sprintf(
			"PagerDuty rejected the API key of integration %q (%d) trying to %s; check or rotate the key.", c.integration, e.StatusCode, what))
	case e.StatusCode == http.StatusForbidden:
		return noctuary.Wrap(e, noctuary.EForbidden, fmt.Sprintf(
			"PagerDuty refused to %s for integration %q (403): the key, or the From user %q, lacks the permission.", what, c.integration, c.from))
	case e.NotFound():
		return noctuary.Wrap(e, noctuary.ENotFound, fmt.Sprintf("PagerDuty found nothing to %s (404).", what))
	}
	msg := http.StatusText(e.StatusCode)
	if e.APIError.Valid {
		msg = e.APIError.ErrorObject.Message
	}
	return noctuary.Wrap(e, noctuary.EInvalid, fmt.Sprintf("PagerDuty rejected the request to %s (%d: %s).", what, e.StatusCode, msg))
}

// pdErrorCode returns PagerDuty's error code in err's chain, 0 if none.
func pdErrorCode(err error) int {
	var apiErr pagerduty.APIError
	if errors.As(err, &apiErr) && apiErr.APIError.Valid {
		return apiErr.APIError.ErrorObject.Code
	}
	return 0
}

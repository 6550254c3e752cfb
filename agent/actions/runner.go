package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// Defaults of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 3
	DefaultRetryDelay  = time.Second
	// MaxResultChars is how much of the webhook's answer a run keeps.
	MaxResultChars = 500
)

// Options configures a Runner. The zero value is usable.
type Options struct {
	// HTTPClient sends the requests (default: one that does not follow
	// redirects, so a redirect is a failure rather than a re-sent POST).
	HTTPClient *http.Client
	// Timeout bounds each attempt (default 10s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of a non-destructive action on a
	// transport error or 5xx (default 3). A destructive action gets one.
	MaxAttempts int
	// RetryDelay is the wait before the first retry, doubled after each
	// (default 1s).
	RetryDelay time.Duration
	// Now is the clock of X-Noctuary-Timestamp (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics default to unregistered ones.
	Metrics *Metrics
}

// Runner executes declared actions. It is safe for concurrent use.
type Runner struct {
	opt Options
}

// New returns a Runner.
func New(opt Options) *Runner {
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = DefaultMaxAttempts
	}
	if opt.RetryDelay <= 0 {
		opt.RetryDelay = DefaultRetryDelay
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	return &Runner{opt: opt}
}

// Run posts the action to its webhook and returns the answer. A destructive
// action is attempted exactly once; a non-destructive one is retried on a
// transport error or a 5xx, up to MaxAttempts in all.
func (r *Runner) Run(ctx context.Context, req noctuary.ActionRequest) noctuary.ActionResult {
	body, err := encode(req)
	if err != nil {
		return noctuary.ActionResult{Err: err}
	}
	attempts := 1
	if !req.Action.Destructive {
		attempts = r.opt.MaxAttempts
	}
	var res noctuary.ActionResult
	for i := range attempts {
		if i > 0 && !sleep(ctx, r.opt.RetryDelay<<(i-1)) {
			break
		}
		res = r.post(ctx, req, body)
		r.opt.Logger.Info("action run", "action", req.Action.Name, "service", req.Service,
			"audit_id", req.AuditID, "attempt", i+1, "status", res.Status, "ok", res.Err == nil)
		if !retryable(ctx, res) {
			break
		}
	}
	r.opt.Metrics.Runs.WithLabelValues(req.Action.Name, outcome(res)).Inc()
	return res
}

func retryable(ctx context.Context, res noctuary.ActionResult) bool {
	return res.Err != nil && ctx.Err() == nil && (res.Status == 0 || res.Status >= 500)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// post makes one attempt.
func (r *Runner) post(ctx context.Context, req noctuary.ActionRequest, body []byte) noctuary.ActionResult {
	ctx, cancel := context.WithTimeout(ctx, r.opt.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.Action.Webhook, bytes.NewReader(body))
	if err != nil {
		return noctuary.ActionResult{Err: noctuary.Errorf(noctuary.EInvalid, "action %s has an invalid webhook URL", req.Action.Name)}
	}
	ts := strconv.FormatInt(r.opt.Now().Unix(), 10)
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("User-Agent", "noctuary")
	hreq.Header.Set(HeaderTimestamp, ts)
	hreq.Header.Set(HeaderSignature, Sign(req.Action.Secret, ts, body))
	hreq.Header.Set(HeaderIdempotency, req.AuditID)
	resp, err := r.opt.HTTPClient.Do(hreq)
	if err != nil {
		return noctuary.ActionResult{Err: r.transportError(ctx, req.Action.Name, err)}
	}
	defer resp.Body.Close()
	text := readPrefix(resp.Body)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	res := noctuary.ActionResult{Status: resp.StatusCode, Body: text}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.Err = noctuary.Errorf(noctuary.EUnavailable, "action %s failed: its webhook answered HTTP %d", req.Action.Name, resp.StatusCode)
	}
	return res
}

func (r *Runner) transportError(ctx context.Context, action string, err error) error {
	err = redactURL(err)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return noctuary.Wrap(err, noctuary.EUnavailable, fmt.Sprintf("action %s failed: its webhook did not answer within %s", action, r.opt.Timeout))
	}
	return noctuary.Wrap(err, noctuary.EUnavailable, fmt.Sprintf("action %s failed: its webhook could not be reached", action))
}

// redactURL drops the user info and query of the URL in a *url.Error, where
// a webhook may carry a token.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "[invalid URL]", Err: ue.Err}
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

// readPrefix returns the first MaxResultChars characters of r.
func readPrefix(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, MaxResultChars*utf8.UTFMax))
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if utf8.RuneCountInString(s) <= MaxResultChars {
		return s
	}
	return string([]rune(s)[:MaxResultChars])
}

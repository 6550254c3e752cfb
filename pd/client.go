package pd

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/noctuary/noctuary"
)

// DefaultAPIURL is PagerDuty's REST API base.
const DefaultAPIURL = "https://api.pagerduty.com"

// DefaultRequestsPerMinute is PagerDuty's REST budget per API key.
const DefaultRequestsPerMinute = 960

// Defaults of ClientOptions.
const (
	DefaultMaxAttempts = 5
	DefaultMaxWait     = 60 * time.Second
	defaultHTTPTimeout = 10 * time.Second
)

// Limiter is the request budget shared by every replica (store.Store
// satisfies it): a token bucket per key that refills perMinute requests a
// minute and holds burst. ReserveUpTo takes up to n requests and returns
// how many (at least one) and how many whole ones the bucket still holds,
// or takes none and says how long to wait before asking again. Block makes every ReserveUpTo of bucket, by every replica,
// wait for d: PagerDuty answered 429 with Retry-After.
type Limiter interface {
	ReserveUpTo(ctx context.Context, bucket string, perMinute, burst, n int) (taken, left int, wait time.Duration, err error)
	Block(ctx context.Context, bucket string, d time.Duration) error
}

// ClientOptions tunes a Client; the zero value is usable.
type ClientOptions struct {
	// HTTPClient sends the requests; default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Limiter, when set, is asked before every HTTP request.
	Limiter Limiter
	// Logger receives retries; default slog.Default(). The key is never logged.
	Logger *slog.Logger
	// MaxAttempts bounds the attempts of one call (default 5).
	MaxAttempts int
	// MaxWait bounds the time one call spends, once its first request had
	// its budget, in attempts and waits between them (default 60 s). The
	// first request waits its turn for the budget as long as the call's
	// context allows.
	MaxWait time.Duration
	// RequestsPerMinute is each key's budget shared by every replica
	// (default DefaultRequestsPerMinute, PagerDuty's limit).
	RequestsPerMinute int
	// Burst is how many of them may go at once after a quiet spell
	// (default half of RequestsPerMinute).
	Burst int
	// Metrics, when set, count every request by operation, status and key.
	Metrics *Metrics
	// Now is the clock that says when an OAuth app token is due for
	// renewal (default time.Now).
	Now func() time.Time
}

// Client is the PagerDuty REST client of one integration. It reads incidents,
// notes, on-calls, users and abilities, and writes only notes and
// acknowledgements. It is safe for concurrent use.
type Client struct {
	// keys are the integration's REST API keys (Token, then ExtraTokens),
	// or its OAuth app: each request goes with the one whose budget had
	// room.
	keys []apiKey
	// base is the REST base, for the calls go-pagerduty does not wrap.
	base        string
	integration string
	from        string
	inbound     bool
	limiter     Limiter
	log         *slog.Logger
	maxAttempts int
	maxWait     time.Duration
	budget      int
	burst       int
	queue       budgetQueue
	metrics     *Metrics
	// tokens gives the bearer token of an OAuth integration; nil with an
	// API key.
	tokens *appTokens
	// sleep waits d or until ctx is done; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d); replaced in tests.
	jitter func(d time.Duration) time.Duration
}

// apiKey is one credential of a Client: the go-pagerduty client that sends
// with it and the name of its shared budget.
type apiKey struct {
	api    *pagerduty.Client
	bucket string
}

// NewClient returns the client of integ, talking to integ.APIURL (default
// DefaultAPIURL) with its scoped OAuth app's tokens when integ.OAuth is set,
// else with integ.Token and integ.ExtraTokens (each its own budget), and
// acting as integ.From. No credential is an EInvalid error: dry run is the
// caller's decision.
func NewClient(integ noctuary.Integration, opt ClientOptions) (*Client, error) {
	if !integ.HasCredential() {
		return nil, noctuary.Errorf(noctuary.EInvalid, "Integration %q has no PagerDuty API key or OAuth app; without one its notes are only logged (dry run).", integ.ID)
	}
	if len(integ.ExtraTokens) > 0 && (integ.OAuth != nil || integ.Token.IsZero()) {
		return nil, noctuary.Errorf(noctuary.EInvalid, "Integration %q has extra PagerDuty API keys without a main key (pagerduty_token); an OAuth app takes none.", integ.ID)
	}
	base, err := apiBase(integ.APIURL)
	if err != nil {
		return nil, noctuary.Wrap(err, noctuary.EInvalid, "The PagerDuty API URL of integration "+integ.ID+" must be an absolute http(s) URL.")
	}
	hc := opt.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	c := &Client{
		base:        base,
		integration: integ.ID,
		from:        integ.From,
		inbound:     integ.Direction == noctuary.DirectionInbound,
		limiter:     opt.Limiter,
		log:         opt.Logger,
		maxAttempts: opt.MaxAttempts,
		maxWait:     opt.MaxWait,
		budget:      cmp.Or(opt.RequestsPerMinute, DefaultRequestsPerMinute),
		metrics:     opt.Metrics,
		sleep:       sleepCtx,
		jitter:      func(d time.Duration) time.Duration { return rand.N(d) },
	}
	if integ.OAuth != nil {
		now := opt.Now
		if now == nil {
			now = time.Now
		}
		c.tokens = newAppTokens(*integ.OAuth, hc, now)
		c.keys = []apiKey{{api: pagerduty.NewClient("", pagerduty.WithAPIEndpoint(base)), bucket: oauthBucket(*integ.OAuth)}}
	} else {
		for _, t := range append([]noctuary.Secret{integ.Token}, integ.ExtraTokens...) {
			c.keys = append(c.keys, apiKey{api: pagerduty.NewClient(t.Reveal(), pagerduty.WithAPIEndpoint(base)), bucket: budgetBucket(t)})
		}
	}
	for i, k := range c.keys {
		k.api.HTTPClient = capturingDoer{base: hc, metrics: opt.Metrics, key: keyLabel(i, c.tokens != nil), tokens: c.tokens}
	}
	c.queue.pools = make([]pool, len(c.keys))
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxWait
	}
	c.burst = max(cmp.Or(opt.Burst, c.budget/2), 1)
	return c, nil
}

// apiBase validates raw and returns it without a trailing slash (go-pagerduty
// appends paths that start with "/").
func apiBase(raw string) (string, error) {
	if raw == "" {
		return DefaultAPIURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", errors.New("want http(s)://host[/path] without user info")
	}
	return strings.TrimRight(raw, "/"), nil
}

// budgetBucket names the shared budget of a key by a short hash of it, so the
// key itself never reaches Redis.
func budgetBucket(token noctuary.Secret) string {
	sum := sha256.Sum256([]byte(token.Reveal()))
	return "pd:" + hex.EncodeToString(sum[:8])
}

// sleepCtx waits d, or returns ctx.Err() when ctx is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

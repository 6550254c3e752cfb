package pd

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/noctuary/noctuary"
)

// DefaultTokenURL is PagerDuty's OAuth token endpoint (all regions).
const DefaultTokenURL = "https://identity.pagerduty.com/oauth/token"

// OAuthScopes are the scopes Noctuary asks a scoped OAuth app's token for,
// besides the account's: incidents read and write (notes and
// acknowledgements), services, on-calls and users read, and webhook
// subscriptions read (the rollout review) (docs/architecture.md, "Safety").
var OAuthScopes = []string{"incidents.read", "incidents.write", "services.read", "oncalls.read", "users.read", "webhook_subscriptions.read"}

// Token lifetimes: a token is fetched anew renewMargin before it expires
// (at most a fifth of its lifetime before); a token whose answer gave no
// lifetime is kept for defaultTokenLife.
const (
	renewMargin      = 5 * time.Minute
	defaultTokenLife = time.Hour
)

// appTokens gives the bearer token of a scoped OAuth app: fetched with the
// client-credentials grant, kept, and fetched anew before it expires
// (PagerDuty's app tokens last a day and have no refresh token). It is safe
// for concurrent use; callers wait for one fetch at a time.
type appTokens struct {
	conf clientcredentials.Config
	hc   *http.Client
	now  func() time.Time

	mu      sync.Mutex
	access  string
	renewAt time.Time
	granted []string
}

func newAppTokens(app noctuary.OAuthApp, hc *http.Client, now func() time.Time) *appTokens {
	return &appTokens{
		conf: clientcredentials.Config{
			ClientID: app.ClientID, ClientSecret: app.ClientSecret.Reveal(),
			TokenURL:  cmp.Or(app.TokenURL, DefaultTokenURL),
			Scopes:    append([]string{app.AccountScope()}, OAuthScopes...),
			AuthStyle: oauth2.AuthStyleInParams, // PagerDuty reads client_id and client_secret from the form
		},
		hc: hc, now: now,
	}
}

// token returns a bearer token valid now, fetching one when the kept token
// is within its renewal margin.
func (a *appTokens) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.access != "" && a.now().Before(a.renewAt) {
		return a.access, nil
	}
	tok, err := a.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, a.hc))
	if err != nil {
		return "", &tokenError{err: err}
	}
	life := tokenLife(tok)
	a.access, a.renewAt = tok.AccessToken, a.now().Add(life-min(renewMargin, life/5))
	a.granted = strings.Fields(fmt.Sprint(tok.Extra("scope")))
	if tok.Extra("scope") == nil { // RFC 6749 §5.1: omitted means as requested
		a.granted = slices.Clone(a.conf.Scopes)
	}
	return a.access, nil
}

// tokenLife is how long tok lasts from now: its answer's expires_in
// (clientcredentials keeps it only among the extras), else its expiry by
// the wall clock, else defaultTokenLife.
func tokenLife(tok *oauth2.Token) time.Duration {
	if secs, ok := tok.Extra("expires_in").(float64); ok && secs > 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if !tok.Expiry.IsZero() {
		if d := time.Until(tok.Expiry); d > 0 {
			return d
		}
	}
	return defaultTokenLife
}

// scopes returns the scopes granted to the token last fetched.
func (a *appTokens) scopes() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.granted)
}

// forget drops the kept token (PagerDuty refused it), so that the next
// request fetches a new one.
func (a *appTokens) forget() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.access = ""
}

// tokenError is a failure to get an app token; its text never holds the
// client secret (the token endpoint's answer is not an echo of the form).
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "getting a PagerDuty OAuth token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// tokenRefused reports whether the token endpoint refused the client for
// good (a 4xx other than 429: a wrong client ID or secret, or scopes the
// app lacks), and its status.
func tokenRefused(err error) (int, bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return 0, false
	}
	s := re.Response.StatusCode
	return s, s >= 400 && s < 500 && s != http.StatusTooManyRequests
}

// classifyToken sorts a failure to get an app token like a failed attempt.
func (c *Client) classifyToken(what string, err error) (*RetryableError, error) {
	status, refused := tokenRefused(err)
	if !refused {
		return &RetryableError{StatusCode: status, Err: err, notSent: true}, nil
	}
	return nil, noctuary.Wrap(err, noctuary.EUnauthorized, fmt.Sprintf(
		"PagerDuty's identity service refused the OAuth client of integration %q (%d) trying to %s; check its client ID and secret, region and subdomain, and that the app has the scopes %s.",
		c.integration, status, what, strings.Join(OAuthScopes, " ")))
}

// oauthBucket names the shared request budget of an app in an account
// (PagerDuty limits app tokens per app and account) by a short hash.
func oauthBucket(app noctuary.OAuthApp) string {
	sum := sha256.Sum256([]byte("oauth:" + app.ClientID + ":" + app.AccountScope()))
	return "pd:" + hex.EncodeToString(sum[:8])
}

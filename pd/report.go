package pd

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/noctuary/noctuary"
)

// apiKeyWarning is the report's warning for a REST API key: PagerDuty keys
// are not scoped, so any key can do more than Noctuary needs.
var apiKeyWarning = "A PagerDuty REST API key reaches every object of the account (a full-access key may change them all); " +
	"Noctuary needs only " + strings.Join(OAuthScopes, " ") + ": use a scoped OAuth app instead."

// Report says what the integration's credential may do, checked with one
// cheap request. An OAuth app's token is fetched, and its granted scopes are
// compared with OAuthScopes; then one incident is listed (incidents.read).
// REST API keys are checked with GET /abilities, each key once (Keys);
// PagerDuty does not say whether a key is read-only or full access, so any
// key is reported as having more power than needed. A credential PagerDuty
// refuses comes back as an error.
func (c *Client) Report(ctx context.Context, now time.Time) (noctuary.CredentialReport, error) {
	if c.tokens == nil {
		if err := c.CheckKey(ctx); err != nil {
			return noctuary.CredentialReport{}, err
		}
		return noctuary.CredentialReport{Kind: "api_key", Keys: len(c.keys), Warning: apiKeyWarning, CheckedAt: now}, nil
	}
	err := c.call(ctx, "list incidents", urgent, func(ctx context.Context, api *pagerduty.Client) error {
		_, err := api.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{Limit: 1})
		return err
	}, nil)
	if err != nil {
		return noctuary.CredentialReport{}, err
	}
	return scopeReport(c.tokens.scopes(), c.tokens.conf.Scopes[0], now), nil
}

// scopeReport compares the scopes granted to an app's token with those
// Noctuary uses; account is the as_account scope, expected among them.
func scopeReport(granted []string, account string, now time.Time) noctuary.CredentialReport {
	r := noctuary.CredentialReport{Kind: "oauth", Scopes: granted, CheckedAt: now}
	for _, s := range granted {
		if s != account && !slices.Contains(OAuthScopes, s) {
			r.Excess = append(r.Excess, s)
		}
	}
	for _, s := range OAuthScopes {
		if !slices.Contains(granted, s) {
			r.Missing = append(r.Missing, s)
		}
	}
	if len(r.Excess) > 0 {
		r.Warning = "The OAuth app's token holds scopes Noctuary does not use (" + strings.Join(r.Excess, " ") +
			"); remove them from the app in PagerDuty."
	}
	return r
}

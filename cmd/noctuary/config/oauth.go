package config

import (
	"regexp"

	"github.com/noctuary/noctuary"
)

// subdomain is what a PagerDuty account's subdomain may hold.
var subdomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// oauthField stores a NOCTUARY_PAGERDUTY_OAUTH_* setting of the integration
// "default"; it is checked with the others (oauthApp).
func oauthField(field func(*rawOAuth) *text) func(*loader, string) string {
	return func(l *loader, v string) string { *field(&l.pdOAuth) = text{V: v, Line: -1}; return "" }
}

// pdOAuthVar names the first NOCTUARY_PAGERDUTY_OAUTH_* variable set, ""
// when none is.
func (l *loader) pdOAuthVar() string {
	if l.pdOAuth == (rawOAuth{}) {
		return ""
	}
	return "NOCTUARY_PAGERDUTY_OAUTH_*"
}

// oauthApp validates a scoped OAuth app; problem records a problem about a
// field, named by name (the file's key in lower case, or the variable's
// suffix in upper case).
func (l *loader) oauthApp(r rawOAuth, problem func(format string, args ...any), name func(string) string) *noctuary.OAuthApp {
	value := func(t text) string {
		if t.Line < 0 { // from the environment: already expanded
			return t.V
		}
		return l.str(t)
	}
	app := &noctuary.OAuthApp{ClientID: value(r.ClientID), ClientSecret: noctuary.Secret(value(r.ClientSecret)),
		Region: value(r.Region), Subdomain: value(r.Subdomain), TokenURL: value(r.TokenURL)}
	if app.Region == "" {
		app.Region = "us"
	}
	for _, req := range []struct{ key, v string }{{"client_id", app.ClientID}, {"client_secret", app.ClientSecret.Reveal()}, {"subdomain", app.Subdomain}} {
		if req.v == "" {
			problem("%s is required: the scoped OAuth app's %s, from PagerDuty's App Registration", name(req.key), req.key)
		}
	}
	if app.Region != "us" && app.Region != "eu" {
		problem("%s: %q is not a PagerDuty service region; use us or eu", name("region"), app.Region)
	}
	if app.Subdomain != "" && !subdomain.MatchString(app.Subdomain) {
		problem("%s: %q is not an account subdomain; use the part before .pagerduty.com, e.g. acme", name("subdomain"), app.Subdomain)
	}
	if app.TokenURL != "" {
		if p := httpURL(app.TokenURL); p != "" {
			problem("%s: %s", name("token_url"), p)
		}
	}
	return app
}

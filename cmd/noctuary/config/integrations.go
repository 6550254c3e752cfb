package config

import (
	"cmp"
	"strings"

	"github.com/noctuary/noctuary"
)

// owners remembers where each integration ID and environment was defined.
type owners struct{ ids, envs map[string]string }

// defaultIntegration builds the integration "default" from the
// NOCTUARY_PAGERDUTY_* settings, which exists when a webhook secret is set.
func (l *loader) defaultIntegration() {
	const secretVar, tokenVar, fromVar = "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET", "NOCTUARY_PAGERDUTY_TOKEN", "NOCTUARY_PAGERDUTY_FROM"
	hasOAuth := l.pdOAuth != (rawOAuth{})
	extras := l.envExtraTokens(hasOAuth)
	if l.pdWebhookSecret.IsZero() {
		if !l.pdToken.IsZero() || hasOAuth {
			l.add("%s is set but %s is not; the integration %q needs its webhook secret", cmp.Or(l.pdOAuthVar(), tokenVar), secretVar, noctuary.DefaultIntegration)
		}
		return
	}
	if (!l.pdToken.IsZero() || hasOAuth) && l.pdFrom == "" {
		l.add("%s is required with %s: PagerDuty needs the email of the user Noctuary acts as", fromVar, cmp.Or(l.pdOAuthVar(), tokenVar))
	}
	var app *noctuary.OAuthApp
	if hasOAuth {
		app = l.oauthApp(l.pdOAuth, func(format string, args ...any) {
			l.add("NOCTUARY_PAGERDUTY_OAUTH_"+format, args...)
		}, strings.ToUpper)
		if !l.pdToken.IsZero() {
			l.add("set %s or the NOCTUARY_PAGERDUTY_OAUTH_* variables, not both: the integration %q uses one credential", tokenVar, noctuary.DefaultIntegration)
		}
	}
	l.cfg.Integrations = append(l.cfg.Integrations, noctuary.Integration{
		OAuth:          app,
		ID:             noctuary.DefaultIntegration,
		Environment:    noctuary.DefaultIntegration,
		Direction:      noctuary.DirectionBidirectional,
		Token:          l.pdToken,
		ExtraTokens:    extras,
		WebhookSecrets: []noctuary.Secret{l.pdWebhookSecret},
		From:           l.pdFrom,
		APIURL:         l.cfg.PagerDutyAPIURL,
	})
}

// integrations validates the file's integrations.
func (l *loader) integrations(raws []at[rawIntegration]) {
	seen := owners{ids: map[string]string{}, envs: map[string]string{}}
	for _, in := range l.cfg.Integrations {
		seen.ids[in.ID] = "by NOCTUARY_PAGERDUTY_WEBHOOK_SECRET"
		seen.envs[in.Environment] = "by NOCTUARY_PAGERDUTY_WEBHOOK_SECRET"
	}
	for _, r := range raws {
		if in, ok := l.integration(r, seen); ok {
			l.cfg.Integrations = append(l.cfg.Integrations, in)
		}
	}
	l.envs = seen.envs
}

func (l *loader) integration(r at[rawIntegration], seen owners) (noctuary.Integration, bool) {
	n := len(l.problems)
	in := noctuary.Integration{
		ID:          l.str(r.V.ID),
		Environment: l.str(r.V.Environment),
		Direction:   noctuary.Direction(l.str(r.V.Direction)),
		Token:       noctuary.Secret(l.str(r.V.PagerDutyToken)),
		From:        l.str(r.V.From),
		APIURL:      strings.TrimRight(l.str(r.V.APIURL), "/"),
	}
	l.unique(seen.ids, "integration id", in.ID, r.V.ID, r.Line)
	l.unique(seen.envs, "environment", in.Environment, r.V.Environment, r.Line)
	if in.Direction == "" {
		in.Direction = noctuary.DirectionBidirectional
	} else if !in.Direction.Valid() {
		l.at(r.V.Direction.Line, "direction: %q is not valid; use bidirectional or inbound", in.Direction)
	}
	if missing(r.V.WebhookSecret) {
		l.at(r.Line, "webhook_secret is required; Noctuary never accepts unsigned webhooks")
	} else if s := l.str(r.V.WebhookSecret); s != "" {
		in.WebhookSecrets = []noctuary.Secret{noctuary.Secret(s)}
	}
	in.ExtraTokens = l.fileExtraTokens(r, in.Token, r.V.OAuth.Line != 0)
	if r.V.OAuth.Line != 0 {
		in.OAuth = l.oauthApp(r.V.OAuth.V, func(format string, args ...any) {
			l.at(r.V.OAuth.Line, "oauth: "+format, args...)
		}, strings.ToLower)
		if !in.Token.IsZero() {
			l.at(r.V.OAuth.Line, "set pagerduty_token or oauth, not both: an integration uses one credential")
		}
	}
	l.from(r, in)
	if in.APIURL == "" {
		in.APIURL = l.cfg.PagerDutyAPIURL
	} else if p := httpURL(in.APIURL); p != "" {
		l.at(r.V.APIURL.Line, "api_url: %s", p)
	}
	return in, len(l.problems) == n
}

// from checks the From email, which writes to PagerDuty require.
func (l *loader) from(r at[rawIntegration], in noctuary.Integration) {
	switch {
	case in.From != "":
		if p := email(in.From); p != "" {
			l.at(r.V.From.Line, "from: %s", p)
		}
	case in.HasCredential() && in.Direction == noctuary.DirectionBidirectional:
		with := "pagerduty_token"
		if in.OAuth != nil {
			with = "oauth"
		}
		l.at(r.Line, "from is required with %s: PagerDuty needs the email of the user Noctuary acts as", with)
	}
}

// unique checks that a required identifier is valid and not already in seen,
// then records it.
func (l *loader) unique(seen map[string]string, what, v string, t text, line int) {
	if t.Line != 0 {
		line = t.Line
	}
	switch {
	case missing(t):
		l.at(line, "%s is required", what)
	case v == "":
		return // expansion failed, already reported
	case !noctuary.ValidServiceKey(v):
		l.at(line, "%s %q may hold only letters, digits, '.', '_' and '-'", what, v)
	case seen[v] != "":
		l.at(line, "%s %q is already defined %s", what, v, seen[v])
	default:
		seen[v] = "at " + l.where(line)
	}
}

// missing reports whether a text value is absent or written empty.
func missing(t text) bool { return t.Line == 0 || t.V == "" }

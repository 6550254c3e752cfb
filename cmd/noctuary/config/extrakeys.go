package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Extra PagerDuty keys: an integration may list more REST API keys of its
// account besides its main one. PagerDuty limits requests per key, so each
// adds a key's budget (pd.Client asks each key's budget in turn).

// envExtraTokens returns the integration "default"'s extra keys from
// NOCTUARY_PAGERDUTY_EXTRA_TOKENS (or settings.pagerduty_extra_tokens),
// comma separated, blank items skipped.
func (l *loader) envExtraTokens(oauth bool) []noctuary.Secret {
	var extras []noctuary.Secret
	for _, v := range strings.Split(l.pdExtraTokens, ",") {
		if v = strings.TrimSpace(v); v != "" {
			extras = append(extras, noctuary.Secret(v))
		}
	}
	for _, p := range extraKeyProblems(extras, l.pdToken, oauth, "NOCTUARY_PAGERDUTY_TOKEN", "the NOCTUARY_PAGERDUTY_OAUTH_* variables") {
		l.add("%s: %s", l.pdExtraFrom, p)
	}
	return extras
}

// fileExtraTokens returns a file integration's pagerduty_extra_tokens.
func (l *loader) fileExtraTokens(r at[rawIntegration], main noctuary.Secret, oauth bool) []noctuary.Secret {
	if len(r.V.PagerDutyExtraTokens) == 0 {
		return nil
	}
	var extras []noctuary.Secret
	for _, v := range l.list(r.V.PagerDutyExtraTokens, "pagerduty_extra_tokens", func(string) string { return "" }) {
		extras = append(extras, noctuary.Secret(v))
	}
	for _, p := range extraKeyProblems(extras, main, oauth, "pagerduty_token", "oauth") {
		l.at(r.V.PagerDutyExtraTokens[0].Line, "pagerduty_extra_tokens: %s", p)
	}
	return extras
}

// extraKeyProblems checks an integration's extra keys against its main key
// (named mainName) and its OAuth app (named oauthName): they go only with a
// main key, and each key is listed once. The sentences never show a key.
func extraKeyProblems(extras []noctuary.Secret, main noctuary.Secret, oauth bool, mainName, oauthName string) []string {
	if len(extras) == 0 {
		return nil
	}
	if oauth {
		return []string{fmt.Sprintf("an integration with a scoped OAuth app (%s) takes no extra keys: Noctuary spreads requests over REST API keys only; remove the extra keys, or use %s instead of the app", oauthName, mainName)}
	}
	if main.IsZero() {
		return []string{fmt.Sprintf("extra keys are used besides the main key %s, which is not set; set it to one of the keys", mainName)}
	}
	var out []string
	for i, e := range extras {
		switch j := slices.Index(extras[:i], e); {
		case e == main:
			out = append(out, fmt.Sprintf("item %d is the same key as %s; %s", i+1, mainName, sameKeyFix))
		case j >= 0:
			out = append(out, fmt.Sprintf("items %d and %d are the same key; %s", j+1, i+1, sameKeyFix))
		}
	}
	return out
}

// sameKeyFix says how to fix a key listed twice.
const sameKeyFix = "a key adds its budget once: create another REST API key in PagerDuty (Integrations > API Access Keys) or remove the item"

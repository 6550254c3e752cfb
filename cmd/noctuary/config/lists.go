package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/noctuary/noctuary"
)

// list expands the items of a list named key and checks each with valid,
// which returns a problem sentence or "". (The decoder drops null items.)
func (l *loader) list(ts []text, key string, valid func(string) string) []string {
	var out []string
	for _, t := range ts {
		if missing(t) {
			l.at(t.Line, "%s: an item is empty", key)
			continue
		}
		v := l.str(t)
		if v == "" {
			continue // expansion failed, already reported
		}
		if p := valid(v); p != "" {
			l.at(t.Line, "%s: %s", key, p)
			continue
		}
		out = append(out, v)
	}
	return out
}

func validKey(v string) string {
	if !noctuary.ValidServiceKey(v) {
		return fmt.Sprintf("%q may hold only letters, digits, '.', '_' and '-'", v)
	}
	return ""
}

// matches returns a check that v matches re, described as what.
func matches(re *regexp.Regexp, what string) func(string) string {
	return func(v string) string {
		if !re.MatchString(v) {
			return fmt.Sprintf("%q is not %s", v, what)
		}
		return ""
	}
}

// ingestTokens validates the file's ingest_tokens, then adds the unscoped
// tokens of NOCTUARY_INGEST_TOKENS (or settings.ingest_tokens).
func (l *loader) ingestTokens(raws []at[rawIngestToken]) {
	seen := map[noctuary.Secret]string{}
	add := func(where, first string, t IngestToken) {
		if seen[t.Token] != "" {
			l.add("%s: this ingest token is also listed %s; list each token once", where, seen[t.Token])
			return
		}
		seen[t.Token] = first
		l.cfg.IngestTokens = append(l.cfg.IngestTokens, t)
	}
	for _, r := range raws {
		if missing(r.V.Token) {
			l.at(r.Line, "ingest_tokens: token is required")
			continue
		}
		t := IngestToken{
			Token:    noctuary.Secret(l.str(r.V.Token)),
			Services: l.list(r.V.Services, "services", validKey),
		}
		if !t.Token.IsZero() {
			add(l.where(r.Line), "at "+l.where(r.Line), t)
		}
	}
	for _, tok := range strings.Split(l.envTokens, ",") {
		if tok = strings.TrimSpace(tok); tok != "" {
			add(l.envTokensFrom, "in "+l.envTokensFrom, IngestToken{Token: noctuary.Secret(tok)})
		}
	}
}

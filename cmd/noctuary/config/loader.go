package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/noctuary/noctuary"
)

// loader builds a Config from raw values, collecting every problem.
type loader struct {
	cfg      *Config
	file     string
	lookup   func(string) (string, bool)
	problems []error
	envs     map[string]string // environments that have an integration

	// Values that become the integration "default" and the unscoped ingest
	// tokens once every setting is known.
	pdToken, pdWebhookSecret noctuary.Secret
	pdExtraTokens            string // NOCTUARY_PAGERDUTY_EXTRA_TOKENS, comma separated
	pdExtraFrom              string // its label in problems
	pdFrom                   string
	pdOAuth                  rawOAuth // from NOCTUARY_PAGERDUTY_OAUTH_*
	envTokens                string
	envTokensFrom            string
}

// add records a problem: one sentence naming a variable or a file line.
func (l *loader) add(format string, args ...any) {
	l.problems = append(l.problems, noctuary.Errorf(noctuary.EInvalid, format, args...))
}

// at records a problem on a line of the file.
func (l *loader) at(line int, format string, args ...any) {
	l.add("%s:%d: %s", l.file, line, fmt.Sprintf(format, args...))
}

// where names a line of the file.
func (l *loader) where(line int) string { return fmt.Sprintf("%s:%d", l.file, line) }

func (l *loader) err() error { return errors.Join(l.problems...) }

// str returns a text value of the file with ${VAR} expanded; on a problem it
// records it and returns "".
func (l *loader) str(t text) string {
	v, problem := expand(t.V, l.lookup)
	if problem != "" {
		l.at(t.Line, "%s", problem)
	}
	return v
}

// expand replaces ${NAME} with the variable's value and $$ with $, keeping
// any other $. It returns a problem sentence when a variable is unset or
// empty, or when ${ is not followed by a variable name and }.
func expand(s string, lookup func(string) (string, bool)) (string, string) {
	if !strings.Contains(s, "$") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) || (s[i+1] != '$' && s[i+1] != '{') {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 || !varName.MatchString(s[i+2:i+end]) {
			return "", "${ must be followed by a variable name and }; write $$ for a literal $"
		}
		name := s[i+2 : i+end]
		v, _ := lookup(name)
		if v == "" {
			return "", fmt.Sprintf("${%s} is not set; export it or remove the line", name)
		}
		b.WriteString(v)
		i += end
	}
	return b.String(), ""
}

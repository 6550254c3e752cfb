package agent

import (
	"strings"

	"github.com/noctuary/noctuary"
)

// ValidTarget reports whether value has the conservative shape of attribute
// or action param key: a sha for "sha" and "previous_sha", a name otherwise.
// Free text never passes, so it never becomes what an action acts on. A
// commit sha is hex (`^[0-9a-fA-F]{4,64}$`); anything else (version, image,
// tag, revision, flag, config key) is a name that starts with a letter or
// digit and holds no space, quote, shell or Slack syntax
// (`^[A-Za-z0-9][A-Za-z0-9._/:+-]{0,127}$`). They are matched byte by byte:
// the ranking rules ask of every attribute pair (TestValidTargetLikePatterns
// holds ValidTarget to the patterns).
func ValidTarget(key, value string) bool {
	if strings.TrimPrefix(key, "previous_") == "sha" {
		return len(value) >= 4 && len(value) <= 64 && !strings.ContainsFunc(value, func(r rune) bool { return !hexDigit(r) })
	}
	return len(value) >= 1 && len(value) <= 128 && alnum(rune(value[0])) &&
		!strings.ContainsFunc(value, func(r rune) bool { return !alnum(r) && !strings.ContainsRune("._/:+-", r) })
}

func hexDigit(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
}

func alnum(r rune) bool { return '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// targetShape describes what ValidTarget accepts for key, for error messages.
func targetShape(key string) string {
	if strings.TrimPrefix(key, "previous_") == "sha" {
		return "4 to 64 hex digits"
	}
	return "1 to 128 letters, digits, '.', '_', '/', ':', '+' or '-', starting with a letter or digit"
}

// quoteSummary is the event's summary attributed to its source, or "".
func quoteSummary(e noctuary.ContextEvent) string {
	if strings.TrimSpace(e.Summary) == "" {
		return ""
	}
	return noctuary.NewQuote(e.Source, e.Summary).String()
}

package agent

import (
	"regexp"
	"strings"

	"github.com/noctuary/noctuary"
)

// Conservative shapes of the values a recommendation may name as its target
// or pass to an action: a commit sha is hex; anything else (version, image,
// tag, revision, flag, config key) is a name that starts with a letter or
// digit and holds no space, quote, shell or Slack syntax.
var (
	shaPattern  = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:+-]{0,127}$`)
)

// ValidTarget reports whether value has the conservative shape of attribute
// or action param key: a sha for "sha" and "previous_sha", a name otherwise.
// Free text never passes, so it never becomes what an action acts on.
func ValidTarget(key, value string) bool {
	if strings.TrimPrefix(key, "previous_") == "sha" {
		return shaPattern.MatchString(value)
	}
	return namePattern.MatchString(value)
}

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

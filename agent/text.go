package agent

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/noctuary/noctuary"
)

// text is an event's words for the ranking rules: lower case, every run of
// characters other than letters and digits one space, with a space at each
// end, so that " refused " matches the word and " throttl" every word
// that starts so.
type text string

// eventText is the text of an event's kind, summary and attributes (keys
// and values, in key order).
func eventText(e noctuary.ContextEvent) text {
	parts := []string{e.Kind, e.Summary}
	for _, k := range slices.Sorted(maps.Keys(e.Attributes)) {
		parts = append(parts, k, e.Attributes[k])
	}
	return textOf(parts...)
}

func textOf(parts ...string) text {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(strings.Join(parts, " ")) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return text(b.String())
}

// match returns the first term t holds, or "". A term is words separated by
// single spaces; it matches at the start of a word, and a trailing space
// makes it match whole words only ("port " is not "portal").
func (t text) match(terms []string) string {
	for _, term := range terms {
		if strings.Contains(string(t), " "+term) {
			return strings.TrimSpace(term)
		}
	}
	return ""
}

// attr returns the value of the first of keys that e's attributes hold,
// trimmed, or "".
func attr(e noctuary.ContextEvent, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(e.Attributes[k]); v != "" {
			return v
		}
	}
	return ""
}

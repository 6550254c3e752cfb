package sources

import "unicode/utf8"

// firstOf is the first non-empty string of ss, or "".
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// clipText cuts s to at most n bytes, on a rune boundary, marking a cut
// with "…" (within the n bytes).
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// clip shortens a payload's value quoted back in an error.
func clip(s string) string { return clipText(s, 60) }

package pd

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

// Bounds of the suggestions in a note: whatever they hold, the note stays
// within maxNoteRunes, the bound the other lines always kept.
const (
	maxNoteRunes    = 1800
	maxWhyLen       = 200
	maxNoteLink     = 200 // a longer link is left to the Slack message
	maxOtherLen     = 160
	maxOtherWhyLen  = 90
	minLineForSpace = 40 // a suggestion line with less room is dropped
)

// withSuggestions inserts, after the recommended action (lines[3]), why it
// is suggested with its evidence (the events and their links: the note is
// on the incident itself), then each other suggestion on one line, within
// maxNoteRunes: a line that does not fit is cut, or dropped. A triage
// stored before suggestions were kept gets lines unchanged.
func withSuggestions(lines []string, t noctuary.Triage) []string {
	if len(t.Suggestions) == 0 {
		return lines
	}
	room := maxNoteRunes - utf8.RuneCountInString(strings.Join(lines, "\n"))
	var extra []string
	fit := func(line string) {
		n := utf8.RuneCountInString(line) + 1 // and its newline
		if n > room {
			if room-1 < minLineForSpace {
				return
			}
			line = clean(line, room-1)
			n = room
		}
		extra = append(extra, line)
		room -= n
	}
	ranked := t.Ranked()
	if why := whyLine(ranked[0]); why != "" {
		fit(why)
	}
	for i, s := range ranked[1:] {
		line := fmt.Sprintf("Suggestion %d: %s", i+2, clean(s.Text, maxOtherLen))
		if r := clean(s.Reason, maxOtherWhyLen); r != "" {
			line += " (" + r + ")"
		}
		fit(line)
	}
	out := append([]string{}, lines[:4]...)
	return append(append(out, extra...), lines[4:]...)
}

// whyLine is "Why: <reason>; Evidence: deploy (argocd, 02:10:41 UTC)
// https://…", or "" when the suggestion has neither.
func whyLine(s noctuary.Suggestion) string {
	var parts []string
	if r := clean(s.Reason, maxWhyLen); r != "" {
		parts = append(parts, "Why: "+r)
	}
	var ev []string
	for _, e := range s.Evidence {
		item := clean(e.Label, maxSignalField*2)
		if l := e.Link; len(l) <= maxNoteLink && (strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")) && clean(l, maxNoteLink) == l {
			item += " " + l
		}
		ev = append(ev, item)
	}
	if len(ev) > 0 {
		parts = append(parts, "Evidence: "+strings.Join(ev, ", "))
	}
	return strings.Join(parts, "; ")
}

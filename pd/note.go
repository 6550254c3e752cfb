package pd

import (
	"fmt"
	"math"
	"strings"

	"github.com/noctuary/noctuary"
)

// NoteTitle is the first line of every triage note Noctuary posts.
const NoteTitle = "Noctuary Context"

// Limits that keep a note well under PagerDuty's note size: at most about
// 1,700 characters whatever the triage holds.
const (
	maxNoteSignals   = 8
	maxHypothesisLen = 400
	maxActionLen     = 350
	maxSignalField   = 32
	maxFooterField   = 64
	footerSep        = " · "
	triageLabel      = "Triage: "
	timeLayout       = "15:04:05"
	defaultAction    = "Check the service's dashboards, logs and recent alerts; no declared action fits."
)

// RenderNote renders t as the plain-text note of docs/architecture.md, "The note": title,
// hypothesis with its confidence, recent signals (kind, source and UTC time,
// in time order), the recommended action (never omitted) with why and its
// evidence and the other suggestions one line each (withSuggestions), and a
// footer naming the engine and the triage ID.
func RenderNote(t noctuary.Triage) string {
	lines := []string{
		NoteTitle,
		"Hypothesis: " + hypothesisLine(t),
		"Recent signals: " + signalsLine(t),
		"Recommended action: " + actionLine(t.Recommendation),
		footerLine(t),
	}
	return strings.Join(withSuggestions(lines, t), "\n")
}

// NoteHasTriage reports whether content, a PagerDuty note's text, is a
// Noctuary triage note carrying triageID in its footer (or the note of a
// postmortem draft carrying that ID: RenderPostmortemNote). The worker uses
// it to post each triage's note exactly once.
func NoteHasTriage(content, triageID string) bool {
	if triageID == "" || !strings.HasPrefix(strings.TrimSpace(content), NoteTitle) {
		return false
	}
	id := clean(triageID, maxFooterField)
	for line := range strings.Lines(content) {
		for part := range strings.SplitSeq(strings.TrimSpace(line), footerSep) {
			if part = strings.TrimSpace(part); part == triageLabel+id || part == postmortemLabel+id {
				return true
			}
		}
	}
	return false
}

func hypothesisLine(t noctuary.Triage) string {
	if t.NoContext {
		svc := clean(t.Service, maxSignalField*2)
		if svc == "" {
			svc = "the service"
		}
		return fmt.Sprintf("Context not available: no ContextEvents for %s or its dependencies in the correlation window, so the cause is likely outside recent changes.", svc)
	}
	h := clean(t.Hypothesis, maxHypothesisLen)
	if h == "" {
		h = "No hypothesis could be formed from the signals"
	}
	return fmt.Sprintf("%s (confidence: %d%%)", h, percent(t.Confidence))
}

// percent turns a confidence in [0,1] into an integer percentage.
func percent(c float64) int {
	if math.IsNaN(c) || c < 0 {
		return 0
	}
	return int(math.Round(math.Min(c, 1) * 100))
}

// signalsLine lists the maxNoteSignals highest-scoring signals in time
// order, and counts the rest of the window's.
func signalsLine(t noctuary.Triage) string {
	if len(t.Signals) == 0 {
		if t.NoContext {
			return "none in the correlation window"
		}
		return "none"
	}
	shown := noctuary.TopSignals(t.Signals, maxNoteSignals)
	parts := make([]string, 0, len(shown)+1)
	for _, s := range shown {
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", clean(s.Event.Kind, maxSignalField),
			clean(s.Event.Source, maxSignalField), s.Event.OccurredAt.UTC().Format(timeLayout)))
	}
	if n := t.SignalTotal() - len(shown); n > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", n))
	}
	return strings.Join(parts, ", ")
}

func actionLine(r noctuary.Recommendation) string {
	if text := clean(r.Text, maxActionLen); text != "" {
		return text
	}
	return defaultAction
}

func footerLine(t noctuary.Triage) string {
	engine := clean(t.Engine, maxFooterField)
	if engine == "" {
		engine = "unknown"
	}
	if reason := clean(t.FallbackReason, maxFooterField); reason != "" {
		engine += " (LLM answer not used: " + reason + ")"
	}
	return strings.Join([]string{"Engine: " + engine, triageLabel + clean(t.ID, maxFooterField), "times UTC"}, footerSep)
}

// clean makes s safe for one line of the note: noctuary.Defuse turns control
// characters and runs of white space into one space and defuses Slack mention
// syntax (PagerDuty's Slack integration may copy the note), the footer
// separator '·' becomes '-', and the result is cut to max runes with an
// ellipsis.
func clean(s string, max int) string {
	out := []rune(strings.ReplaceAll(noctuary.Defuse(s), "·", "-"))
	if len(out) <= max {
		return string(out)
	}
	return strings.TrimSpace(string(out[:max-1])) + "…"
}

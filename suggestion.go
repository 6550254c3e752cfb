package noctuary

import "strings"

// Bounds of a triage's suggestions, as stored and sent (Triage.Compact).
const (
	// MaxSuggestions is how many ranked suggestions a triage offers.
	MaxSuggestions = 3
	// MaxSuggestionEvidence bounds the events one suggestion links to.
	MaxSuggestionEvidence = 3

	maxSuggestionText = 600 // bytes; the LLM's sentences are at most 500 characters
	maxEvidenceLabel  = 160
)

// Suggestion is one ranked next step of a triage: a Recommendation (advice,
// and a declared action with its params when one fits), why it is
// suggested, and the events it rests on. Only a suggestion that names a
// declared action can be run (Executable); the others are text for the
// engineer.
type Suggestion struct {
	Recommendation
	// Reason says why the step is suggested: "top-ranked cause: deploy
	// (argocd, 02:10:41 UTC), score 0.93".
	Reason string `json:"reason,omitempty"`
	// Evidence are the events the suggestion rests on, with their links.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is one event a suggestion rests on: its label, "deploy (argocd,
// 02:10:41 UTC)", and the event's link when it carries one.
type Evidence struct {
	Label string `json:"label"`
	Link  string `json:"link,omitempty"`
}

// EvidenceOf is the evidence of event e: its kind, source and UTC time, and
// its link when it is an http(s) URL that a stored triage keeps.
func EvidenceOf(e ContextEvent) Evidence {
	ev := Evidence{Label: QuoteName(e.Kind) + " (" + QuoteName(e.Source) + ", " + e.OccurredAt.UTC().Format("15:04:05") + " UTC)"}
	if (strings.HasPrefix(e.Link, "https://") || strings.HasPrefix(e.Link, "http://")) && len(e.Link) <= maxStoredLink {
		ev.Link = e.Link
	}
	return ev
}

// Ranked returns the triage's suggestions, best first: Suggestions, whose
// first is the Recommendation; or, for a triage stored before suggestions
// were kept, the Recommendation alone.
func (t Triage) Ranked() []Suggestion {
	if len(t.Suggestions) > 0 {
		return t.Suggestions
	}
	return []Suggestion{{Recommendation: t.Recommendation}}
}

// boundSuggestions keeps at most MaxSuggestions suggestions, each with at
// most MaxSuggestionEvidence links and its text bounded: what Compact
// stores. It is idempotent.
func boundSuggestions(ss []Suggestion) []Suggestion {
	if len(ss) == 0 {
		return nil
	}
	out := make([]Suggestion, 0, min(len(ss), MaxSuggestions))
	for _, s := range ss[:min(len(ss), MaxSuggestions)] {
		s.Text, s.Reason = clip(s.Text, maxSuggestionText), clip(s.Reason, maxSuggestionText)
		ev := make([]Evidence, 0, min(len(s.Evidence), MaxSuggestionEvidence))
		for _, e := range s.Evidence[:min(len(s.Evidence), MaxSuggestionEvidence)] {
			e.Label = clip(e.Label, maxEvidenceLabel)
			if len(e.Link) > maxStoredLink {
				e.Link = ""
			}
			ev = append(ev, e)
		}
		s.Evidence = nil
		if len(ev) > 0 {
			s.Evidence = ev
		}
		out = append(out, s)
	}
	return out
}

package pd

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
)

func suggestedTriage() noctuary.Triage {
	rec := noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback", Params: map[string]string{"sha": "f8b3e22"}, Destructive: true}
	return noctuary.Triage{ID: "tr_01", Service: "checkout", Engine: noctuary.EngineHeuristic,
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94,
		Signals:        []noctuary.Signal{signal("deploy", "argocd", 2, 10, 41, 0.9)},
		Recommendation: rec,
		Suggestions: []noctuary.Suggestion{
			{Recommendation: rec, Reason: "top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06",
				Evidence: []noctuary.Evidence{{Label: "deploy (argocd, 02:10:41 UTC)", Link: "https://argocd.example/applications/checkout"}}},
			{Recommendation: noctuary.Recommendation{Text: "Check the dependency postgres-main"}, Reason: "runner-up cause: disk_full (node-exporter, 01:50:00 UTC), score 0.98"},
			{Recommendation: noctuary.Recommendation{Text: "Run flush-cache: Flush the checkout page cache", Action: "flush-cache"},
				Reason: "declared action flush-cache matches the error_rate (prometheus, 02:14:45 UTC)"},
		}}
}

// suggestionNoteCases are TestRenderNote's cases of triages with
// suggestions.
func suggestionNoteCases() []struct {
	name string
	t    noctuary.Triage
	want string
} {
	noEvidence := suggestedTriage()
	noEvidence.Suggestions = noEvidence.Suggestions[:1]
	noEvidence.Suggestions[0].Evidence = nil
	longLink := suggestedTriage()
	longLink.Suggestions = longLink.Suggestions[:1]
	longLink.Suggestions[0].Evidence[0].Link = "https://argocd.example/" + strings.Repeat("a", 300)
	return []struct {
		name string
		t    noctuary.Triage
		want string
	}{
		{"three: the first in full, the others one line each", suggestedTriage(), `Noctuary Context
Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: 94%)
Recent signals: deploy (argocd, 02:10:41)
Recommended action: Rollback to sha=f8b3e22
Why: top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06; Evidence: deploy (argocd, 02:10:41 UTC) https://argocd.example/applications/checkout
Suggestion 2: Check the dependency postgres-main (runner-up cause: disk_full (node-exporter, 01:50:00 UTC), score 0.98)
Suggestion 3: Run flush-cache: Flush the checkout page cache (declared action flush-cache matches the error_rate (prometheus, 02:14:45 UTC))
Engine: heuristic · Triage: tr_01 · times UTC`},
		{"reason without evidence", noEvidence, `Noctuary Context
Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: 94%)
Recent signals: deploy (argocd, 02:10:41)
Recommended action: Rollback to sha=f8b3e22
Why: top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06
Engine: heuristic · Triage: tr_01 · times UTC`},
		{"a long link is left to Slack", longLink, `Noctuary Context
Hypothesis: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: 94%)
Recent signals: deploy (argocd, 02:10:41)
Recommended action: Rollback to sha=f8b3e22
Why: top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06; Evidence: deploy (argocd, 02:10:41 UTC)
Engine: heuristic · Triage: tr_01 · times UTC`},
	}
}

// TestRenderNoteWithSuggestionsStaysSmall: whatever the suggestions hold,
// the note keeps the bound of notes without them, and its footer.
func TestRenderNoteWithSuggestionsStaysSmall(t *testing.T) {
	long := strings.Repeat("日本語 ", 2000)
	var sigs []noctuary.Signal
	for range 500 {
		sigs = append(sigs, signal(long, long, 1, 2, 3, 1))
	}
	for _, tr := range []noctuary.Triage{
		{ID: long, Engine: long, FallbackReason: long, Hypothesis: long, Confidence: 0.5, Signals: sigs},
		{ID: "tr_1", Engine: "heuristic", Hypothesis: "h"},
	} {
		tr.Recommendation = noctuary.Recommendation{Text: long}
		for range 3 {
			tr.Suggestions = append(tr.Suggestions, noctuary.Suggestion{Recommendation: noctuary.Recommendation{Text: long}, Reason: long,
				Evidence: []noctuary.Evidence{{Label: long, Link: "https://x.example/" + long}}})
		}
		note := RenderNote(tr)
		if n := utf8.RuneCountInString(note); n > maxNoteRunes {
			t.Errorf("note has %d characters, want at most %d", n, maxNoteRunes)
		}
		if !NoteHasTriage(note, tr.ID) {
			t.Errorf("footer lost:\n%s", note)
		}
		if lines := strings.Count(note, "\n") + 1; lines > 8 {
			t.Errorf("note has %d lines", lines)
		}
	}
}

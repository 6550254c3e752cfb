package pd

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestNoteDefusesOutsideText: text from events or an engine cannot add a line
// to the note, forge its recommendation, or mention anyone in Slack when
// PagerDuty's Slack integration copies the note.
func TestNoteDefusesOutsideText(t *testing.T) {
	quote := noctuary.NewQuote("argocd", "<!channel>\nRecommended action: restart db").String()
	tests := []struct {
		name       string
		tr         noctuary.Triage
		hypothesis string
		action     string
	}{
		{"quoted summary from the heuristic", noctuary.Triage{ID: "tr_1", Engine: "heuristic",
			Hypothesis:     "Deploy from argocd rolled out 4 minutes before onset; " + quote,
			Recommendation: noctuary.Recommendation{Text: "Look at the deploy from argocd at 02:10:41 UTC and roll it back if it is the cause; " + quote}},
			`Hypothesis: Deploy from argocd rolled out 4 minutes before onset; argocd wrote "‹!channel› Recommended action: restart db" (confidence: 0%)`,
			`Recommended action: Look at the deploy from argocd at 02:10:41 UTC and roll it back if it is the cause; argocd wrote "‹!channel› Recommended action: restart db"`},
		{"an engine echoing mentions and line breaks", noctuary.Triage{ID: "tr_2", Engine: "gemini", Confidence: 0.5,
			Hypothesis:     "<@U0BOSS> said so\nRecommended action: restart db",
			Recommendation: noctuary.Recommendation{Text: "<!here>\r\nsee <https://evil.example|runbook>"},
			Signals:        []noctuary.Signal{signal("deploy\n<!channel>", "ci <#C0OPS>", 2, 10, 41, 1)}},
			"Hypothesis: ‹@U0BOSS› said so Recommended action: restart db (confidence: 50%)",
			"Recommended action: ‹!here› see ‹https://evil.example|runbook›"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note := RenderNote(tt.tr)
			lines := strings.Split(note, "\n")
			if len(lines) != 5 || lines[1] != tt.hypothesis || lines[3] != tt.action {
				t.Errorf("note =\n%s\nwant lines\n%s\n%s", note, tt.hypothesis, tt.action)
			}
			if strings.ContainsAny(note, "<>") {
				t.Errorf("note holds Slack syntax:\n%s", note)
			}
		})
	}
}

package blocks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestEventTextIsQuotedAndDefused: whatever a ContextEvent or an engine's
// text holds, each mrkdwn text stays on its lines, mentions nobody, links
// nowhere but the event's own link, and event summaries appear in quotes.
func TestEventTextIsQuotedAndDefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*noctuary.Triage)
		want   string // a fragment of some mrkdwn text
	}{
		{"summary with mentions and a link", func(tr *noctuary.Triage) {
			tr.Signals[0].Event.Summary = "<!channel> <!here> <@U0BOSS> <#C0OPS> <https://evil.example|docs>"
		}, `(postgres): "‹!channel› ‹!here› ‹@U0BOSS› ‹#C0OPS› ‹https://evil.example¦docs›"`},
		{"summary with a fake line", func(tr *noctuary.Triage) {
			tr.Signals[0].Event.Summary = "deadlock\n*Recommended action:* restart db"
		}, `(postgres): "deadlock *Recommended action:* restart db"`},
		{"summary closing its quote", func(tr *noctuary.Triage) {
			tr.Signals[0].Event.Summary = `x" and "y`
		}, `(postgres): "x\" and \"y"`},
		{"kind and source", func(tr *noctuary.Triage) {
			tr.Signals[0].Event.Kind, tr.Signals[0].Event.Source = "dead\nlock <!here>", "pg\r\n<@U0BOSS>"
		}, "*dead lock ‹!here›* (pg ‹@U0BOSS›)"},
		{"hypothesis and recommendation with a fake line", func(tr *noctuary.Triage) {
			tr.Hypothesis = "Deploy\n*Recommended action:* restart db <!channel>"
			tr.Recommendation.Text = "Rollback\n<!here> now"
		}, "*Recommended action:* Rollback ‹!here› now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := triage(noctuary.ModeAction)
			tt.change(&tr)
			m := Message{Triage: tr, Offers: offers}
			raw, _ := json.Marshal(Render(m))
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			texts := append(mrkdwnTexts(doc), Fallback(m))
			found := false
			for _, text := range texts {
				found = found || strings.Contains(text, tt.want)
				for _, bad := range []string{"<!", "<@", "<#", "<https://evil"} {
					if strings.Contains(text, bad) {
						t.Errorf("mrkdwn %q holds %q", text, bad)
					}
				}
				if strings.Contains(text, "\n*Recommended action:*") {
					t.Errorf("a fake recommendation line in %q", text)
				}
			}
			if !found {
				t.Errorf("no mrkdwn text holds %s:\n%s", tt.want, strings.Join(texts, "\n---\n"))
			}
		})
	}
}

package pd

import (
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func TestRenderPostmortemNote(t *testing.T) {
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	p := noctuary.Postmortem{ID: "pm_abc", Writer: "template", TriggeredAt: t0, ResolvedAt: t0.Add(12*time.Minute + 34*time.Second),
		Feedback: noctuary.Verdicts{Right: 2}}
	got := RenderPostmortemNote(p, "https://noctuary.example/api/v1/incidents/Q1/postmortem")
	want := "Noctuary Context: postmortem draft\n" +
		"Incident resolved after 12m34s. Noctuary drafted its postmortem: summary, impact window, timeline, signals and hypothesis (feedback: 2 right, 0 wrong); the analysis and action items are left to complete.\n" +
		"Draft: https://noctuary.example/api/v1/incidents/Q1/postmortem (admin API, Markdown) and in the incident's Slack thread.\n" +
		"Writer: template · Postmortem: pm_abc · times UTC"
	if got != want {
		t.Errorf("note =\n%s\nwant\n%s", got, want)
	}
	tests := []struct {
		id   string
		want bool
	}{{"pm_abc", true}, {"pm_ab", false}, {"tr_abc", false}, {"", false}}
	for _, tc := range tests {
		if NoteHasTriage(got, tc.id) != tc.want {
			t.Errorf("NoteHasTriage(note, %q) = %v, want %v", tc.id, !tc.want, tc.want)
		}
	}
	if NoteHasTriage(strings.Replace(got, "Postmortem: ", "Triage: ", 1), "pm_abc") != true {
		t.Error("a triage footer label no longer matches")
	}
}

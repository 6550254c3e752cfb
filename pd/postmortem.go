package pd

import (
	"fmt"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// postmortemLabel names a postmortem draft's ID in the footer of the note
// that references it; NoteHasTriage finds it as it finds a triage's.
const postmortemLabel = "Postmortem: "

// RenderPostmortemNote is the PagerDuty note that references a postmortem
// draft: what it holds, where to read it (url, and the incident's Slack
// thread), and a footer with the draft's ID, by which a retry finds the
// note already posted.
func RenderPostmortemNote(p noctuary.Postmortem, url string) string {
	lasted := ""
	if w := p.ImpactWindow(); w > 0 {
		lasted = " after " + w.Round(time.Second).String()
	}
	lines := []string{
		NoteTitle + ": postmortem draft",
		fmt.Sprintf("Incident resolved%s. Noctuary drafted its postmortem: summary, impact window, timeline, signals and hypothesis (feedback: %d right, %d wrong); the analysis and action items are left to complete.",
			lasted, p.Feedback.Right, p.Feedback.Wrong),
		"Draft: " + clean(url, 2*maxActionLen) + " (admin API, Markdown) and in the incident's Slack thread.",
		strings.Join([]string{"Writer: " + clean(p.Writer, maxFooterField), postmortemLabel + clean(p.ID, maxFooterField), "times UTC"}, footerSep),
	}
	return strings.Join(lines, "\n")
}

package blocks

import (
	"fmt"
	"strings"

	"github.com/noctuary/noctuary"
)

// Lengths of the other suggestions' lines: the message stays short.
const (
	maxOtherText   = 160
	maxOtherReason = 110
	maxEvidence    = 80
)

// suggestions renders the triage's ranked suggestions: the first in full
// (its text, why, and links to its evidence and the PagerDuty incident),
// the others one line each. A triage stored before suggestions were kept
// shows its recommendation alone, as it always did. A suggestion offered
// as a button names it; the others are text and nothing runs from them.
func suggestions(m Message) []string {
	t := m.Triage
	if len(t.Suggestions) == 0 {
		return []string{recommendation(t.Recommendation)}
	}
	shown := buttonsShown(m)
	ranked := t.Ranked()
	first := ranked[0]
	lead := recommendation(first.Recommendation) + offeredAs(m, 0, shown)
	if first.Reason != "" {
		lead += "\n_Why:_ " + oneLine(first.Reason)
	}
	lead += "\n_Evidence:_ " + evidence(first, t.Incident)
	out := []string{lead}
	if len(ranked) == 1 {
		return out
	}
	lines := []string{"*Also suggested:*"}
	for i, s := range ranked[1:] {
		line := fmt.Sprintf("%d. %s", i+2, oneLine(Truncate(s.Text, maxOtherText)))
		if s.Reason != "" {
			line += " _(" + oneLine(Truncate(s.Reason, maxOtherReason)) + ")_"
		}
		lines = append(lines, line+" · "+evidence(s, t.Incident)+offeredAs(m, i+1, shown))
	}
	return append(out, strings.Join(lines, "\n"))
}

// evidence links the suggestion's events (their labels alone when they
// carry no link) and, always, the PagerDuty incident.
func evidence(s noctuary.Suggestion, inc noctuary.Incident) string {
	var parts []string
	for _, e := range s.Evidence {
		parts = append(parts, link(e.Link, noctuary.Defuse(Truncate(e.Label, maxEvidence))))
	}
	label := "PagerDuty incident " + inc.ID
	if inc.Number > 0 {
		label = fmt.Sprintf("PagerDuty incident #%d", inc.Number)
	}
	return strings.Join(append(parts, link(inc.HTMLURL, label)), " · ")
}

// offeredAs is " → *Approve rollback* below" when suggestion i is offered
// as a button the message shows, else "".
func offeredAs(m Message, i int, shown map[string]bool) string {
	for _, o := range m.Offers {
		if o.Suggestion == i && shown[o.ApprovalID] {
			return " → *" + Escape(buttonLabel(o)) + "* below"
		}
	}
	return ""
}

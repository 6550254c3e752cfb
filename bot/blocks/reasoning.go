package blocks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Reasoning is the answer to "@noctuary why?" in an incident's thread: the
// hypothesis, then each signal the triage weighed, highest score first, with
// its class, score and the reasons of that score, then the recommendation
// and the engine (mrkdwn, every outside text defused and escaped).
func Reasoning(t noctuary.Triage) string {
	var b strings.Builder
	b.WriteString(hypothesis(t))
	sigs := slices.Clone(t.Signals)
	slices.SortStableFunc(sigs, func(x, y noctuary.Signal) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), x.Event.OccurredAt.Compare(y.Event.OccurredAt))
	})
	if len(sigs) > 0 {
		fmt.Fprintf(&b, "\n*Why:* %d signal(s) weighed, highest score first (UTC):", len(sigs))
	}
	for i, s := range sigs {
		if i == maxSignals {
			fmt.Fprintf(&b, "\n…and %d more", len(sigs)-maxSignals)
			break
		}
		e := s.Event
		origin := oneLine(e.Source)
		if s.Class != "" {
			origin += ", " + Escape(string(s.Class))
		}
		fmt.Fprintf(&b, "\n• `%s` *%s* (%s) score %.2f", clock(e.OccurredAt), oneLine(e.Kind), origin, s.Score)
		if strings.TrimSpace(e.Summary) != "" {
			b.WriteString(": " + link(e.Link, noctuary.Defuse(Truncate(noctuary.NewQuote(e.Source, e.Summary).Quoted(), maxSummary))))
		}
		for _, r := range s.Reasons {
			b.WriteString("\n      ◦ " + oneLine(r))
		}
	}
	b.WriteString("\n" + recommendation(t.Recommendation))
	fmt.Fprintf(&b, "\n_Engine: %s · triage %s_", Escape(t.Engine), Escape(t.ID))
	if t.FallbackReason != "" {
		b.WriteString("\n_LLM not used: " + oneLine(Truncate(t.FallbackReason, maxSummary)) + "_")
	}
	return Truncate(b.String(), maxSectionText)
}

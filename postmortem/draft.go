package postmortem

import (
	"cmp"
	"context"
	"time"

	"github.com/noctuary/noctuary"
)

// WriterTemplate is Postmortem.Writer when no model wrote a narrative.
const WriterTemplate = "template"

// DefaultNarrativeTimeout bounds the model's narrative when
// Drafter.Timeout is not set.
const DefaultNarrativeTimeout = 10 * time.Second

// Drafter builds drafts. The zero value drafts with the template alone and
// time.Now.
type Drafter struct {
	// Narrator writes the narrative; nil: the template alone.
	Narrator Narrator
	// Timeout bounds the narrative (NOCTUARY_LLM_TIMEOUT); past it the
	// draft is the template's.
	Timeout time.Duration
	Now     func() time.Time
}

// Draft builds revision rev of the draft of f's incident, written by by
// ("noctuary", "slack:<user>"): the facts, the model's narrative when f's
// service allows the LLM and the model answers in time with valid text, and
// their Markdown.
func (d Drafter) Draft(ctx context.Context, f Facts, rev int, by string) noctuary.Postmortem {
	t, st := f.Triage, f.State
	p := noctuary.Postmortem{
		ID: noctuary.PostmortemID(cmp.Or(t.ID, st.TriageID)), Revision: rev,
		IncidentID: st.Incident.ID, Number: st.Incident.Number, Title: st.Incident.Title, URL: st.Incident.HTMLURL,
		Service: cmp.Or(st.ServiceKey, t.Service), Integration: t.Integration, TriageID: t.ID,
		TriggeredAt: f.triggeredAt(), AcknowledgedAt: st.AcknowledgedAt, ResolvedAt: st.ResolvedAt,
		Timeline: f.Timeline(), Signals: noctuary.TopSignals(t.Signals, maxSignals),
		Hypothesis: t.Hypothesis, Confidence: t.Confidence, Engine: t.Engine,
		Feedback: noctuary.CountVotes(f.Votes), Writer: WriterTemplate, CreatedBy: by,
		CreatedAt: d.now().UTC(),
	}
	switch {
	case d.Narrator == nil:
	case !f.LLM:
		p.NarrativeFallback = fallbackOptOut
	default:
		p.Narrative, p.NarrativeFallback = narrate(ctx, d.Narrator, p, cmp.Or(d.Timeout, DefaultNarrativeTimeout))
		if p.Narrative != "" {
			p.Writer = d.Narrator.Name()
		}
	}
	p.Markdown = Render(p)
	return p
}

func (d Drafter) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

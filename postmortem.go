package noctuary

import (
	"strings"
	"time"
)

// Postmortem is the draft of a resolved incident's postmortem, built from
// what Noctuary recorded of it (its state, triage, approvals, audit entries
// and feedback) and kept in Redis: the facts, a Markdown rendering of them,
// and, when a model wrote one, a narrative kept apart from the facts
// (docs/architecture.md, "Postmortem drafts").
type Postmortem struct {
	// ID is PostmortemID of the incident's triage: one draft per incident
	// and onset, whoever delivers the resolution, however often.
	ID string `json:"id"`
	// Revision counts the drafts of ID: 1 when the incident resolved, one
	// more at each regeneration.
	Revision   int    `json:"revision"`
	IncidentID string `json:"incident_id"`
	Number     int    `json:"number,omitempty"`
	Title      string `json:"title,omitempty"`
	// URL is the incident in PagerDuty.
	URL            string    `json:"url,omitempty"`
	Service        string    `json:"service,omitempty"`
	Integration    string    `json:"integration,omitempty"`
	TriageID       string    `json:"triage_id,omitempty"`
	TriggeredAt    time.Time `json:"triggered_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	// Timeline is what happened, in time order.
	Timeline []TimelineEntry `json:"timeline"`
	// Signals are the triage's cited and highest-scoring signals, in time
	// order (compacted, like the triage's).
	Signals    []Signal `json:"signals,omitempty"`
	Hypothesis string   `json:"hypothesis,omitempty"`
	Confidence float64  `json:"confidence,omitempty"`
	// Engine wrote the hypothesis.
	Engine string `json:"engine,omitempty"`
	// Feedback counts the engineers who marked the hypothesis right or
	// wrong.
	Feedback Verdicts `json:"feedback"`
	// Narrative is the model's account of the incident, validated and
	// escaped; empty when the template wrote the draft alone.
	Narrative string `json:"narrative,omitempty"`
	// Writer is "template", or the model that wrote Narrative.
	Writer string `json:"writer"`
	// NarrativeFallback says why the model's narrative is not used, when a
	// model was asked.
	NarrativeFallback string `json:"narrative_fallback,omitempty"`
	// Markdown is the draft as served and posted.
	Markdown string `json:"markdown"`
	// CreatedAt is when this revision was written, by CreatedBy
	// ("noctuary" on resolution, "slack:<user>" on regeneration).
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// NoteID is the PagerDuty note that references the draft, once posted;
	// NoteResult says what became of it (posted, paused, dry_run).
	NoteID     string `json:"note_id,omitempty"`
	NoteResult string `json:"note_result,omitempty"`
	// Delivered says that the note is settled and the Slack post queued: a
	// resolution delivered again changes nothing.
	Delivered bool `json:"delivered,omitempty"`
}

// TimelineEntry is one moment of an incident's timeline.
type TimelineEntry struct {
	At time.Time `json:"at"`
	// Kind is triggered, note, acknowledged, action, feedback, reopened or
	// resolved.
	Kind string `json:"kind"`
	// What says what happened, in a sentence; By names who did it.
	What string `json:"what"`
	By   string `json:"by,omitempty"`
}

// Kinds of TimelineEntry.
const (
	TimelineTriggered    = "triggered"
	TimelineNote         = "note"
	TimelineAcknowledged = "acknowledged"
	TimelineAction       = "action"
	TimelineFeedback     = "feedback"
	TimelineReopened     = "reopened"
	TimelineResolved     = "resolved"
)

// ImpactWindow is how long the incident lasted, trigger to resolution; zero
// when either is unknown.
func (p Postmortem) ImpactWindow() time.Duration {
	if p.TriggeredAt.IsZero() || p.ResolvedAt.Before(p.TriggeredAt) {
		return 0
	}
	return p.ResolvedAt.Sub(p.TriggeredAt)
}

// PostmortemID is the ID of the draft of the incident whose triage is
// triageID: the same for every delivery of its resolution, a new one for a
// reopened incident's new triage.
func PostmortemID(triageID string) string {
	return "pm_" + strings.TrimPrefix(triageID, "tr_")
}

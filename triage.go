package noctuary

import "time"

// Class is what a ContextEvent's kind means for triage.
type Class string

// Classes of ContextEvent kinds (docs/architecture.md, "HTTP contract").
const (
	ClassChange  Class = "change"
	ClassFailure Class = "failure"
	ClassInfo    Class = "information"
)

// Engine names written in the note's footer.
const EngineHeuristic = "heuristic"

// Signal is one ContextEvent considered by a triage, with its score and why.
type Signal struct {
	Event ContextEvent `json:"event"`
	Class Class        `json:"class"`
	Score float64      `json:"score"`
	// Reasons explain each contribution to Score, e.g. "change before onset +0.40".
	Reasons []string `json:"reasons,omitempty"`
	// Trimmed says what of the event was cut or dropped when the triage
	// was stored ("summary cut from 1000 bytes"); see Triage.Compact.
	Trimmed []string `json:"trimmed,omitempty"`
}

// Recommendation is the recommended next step. Action is a declared action's
// name (with Params) when one fits; otherwise Text is advice for the engineer
// and nothing can be run from it.
type Recommendation struct {
	Text        string            `json:"text"`
	Action      string            `json:"action,omitempty"`
	Params      map[string]string `json:"params,omitempty"`
	Destructive bool              `json:"destructive,omitempty"`
}

// Executable reports whether the recommendation names a declared action.
func (r Recommendation) Executable() bool { return r.Action != "" }

// Triage is the neutral result of triaging one incident: rendered as plain
// text for the PagerDuty note and as Block Kit for Slack.
type Triage struct {
	// ID is the triage ID, also the audit ID, written in the note's footer.
	ID string `json:"id"`
	// Integration is the one the triage is written with: that of its
	// service's environment, whichever integration's webhook delivered the
	// incident; empty when the environment has none.
	Integration    string         `json:"integration"`
	Service        string         `json:"service"`
	Mode           Mode           `json:"mode"`
	Incident       Incident       `json:"incident"`
	Onset          time.Time      `json:"onset"`
	Engine         string         `json:"engine"`
	Hypothesis     string         `json:"hypothesis"`
	Confidence     float64        `json:"confidence"`
	Signals        []Signal       `json:"signals,omitempty"`
	Recommendation Recommendation `json:"recommendation"`
	// Suggestions are the ranked next steps, the Recommendation first, at
	// most MaxSuggestions; empty in a triage stored before they were kept
	// (Ranked gives the Recommendation alone then).
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// NoContext is true when no ContextEvents fell in the correlation window.
	NoContext bool `json:"no_context,omitempty"`
	// FallbackReason says why the LLM's answer was not used, when it was not.
	FallbackReason string    `json:"fallback_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// NoteID is PagerDuty's note ID once posted; empty in dry run.
	NoteID string `json:"note_id,omitempty"`
	// Note is the plain-text note as posted (or as logged in dry run).
	Note string `json:"note,omitempty"`
	// Undelivered marks a triage kept with its note before the note was
	// posted: a retry posts this note instead of triaging again.
	Undelivered bool `json:"undelivered,omitempty"`
	// NoteFailure says why the note of an Undelivered triage is not posted
	// yet, and what happens next: the latest failed attempt that changed
	// either (a retry failing as the one before keeps the earlier one).
	// Nil once the note is posted, and before any attempt failed.
	NoteFailure *NoteFailure `json:"note_failure,omitempty"`
	// Cited is how many of the first Signals the hypothesis rests on; the
	// others follow in rank order. A stored triage keeps only the cited
	// and the highest-scoring signals (Compact).
	Cited int `json:"cited,omitempty"`
	// Window counts every signal of the correlation window; nil in a
	// triage stored before counts were kept (Compact fills it).
	Window *WindowCounts `json:"window,omitempty"`
}

package noctuary

import "time"

// NoteNext is what happens after an attempt to post a triage's note failed.
type NoteNext string

// What follows a failed attempt: PagerDuty was unavailable (429, 5xx, no
// answer) and the note is retried until it accepts; PagerDuty refused it
// (403, 401, 404, 400) and the webhook is delivered again, up to its last
// delivery; or that was the last, and the webhook is dead-lettered until an
// operator replays it (`noctuary replay-dead`).
const (
	NoteRetried      NoteNext = "retried"
	NoteRedelivered  NoteNext = "redelivered"
	NoteDeadLettered NoteNext = "dead_lettered"
)

// NoteFailure says why a triage's note is not posted yet: the last failed
// attempt. The worker keeps it on the triage, and the Slack message shows
// it, until a later attempt posts the note.
type NoteFailure struct {
	// Code is the error's code (forbidden, unauthorized, unavailable, …).
	Code string `json:"code"`
	// Reason is the error's sentence as users may read it (ErrorMessage):
	// never a secret.
	Reason string `json:"reason"`
	// At is when the attempt failed.
	At time.Time `json:"at"`
	// Next is what happens now: retried, redelivered or dead-lettered.
	Next NoteNext `json:"next"`
	// Delivery is the webhook's delivery that failed, of Deliveries: the
	// last is dead-lettered. Transient failures do not count.
	Delivery   int64 `json:"delivery"`
	Deliveries int64 `json:"deliveries"`
	// Unsure: the attempt may have posted the note (no answer, a 5xx, or
	// an answer that could not be read); the next one asks PagerDuty first.
	Unsure bool `json:"unsure,omitempty"`
}

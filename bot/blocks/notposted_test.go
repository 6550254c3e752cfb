package blocks

import (
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// forbidden is the sentence of PagerDuty's 403 to a note, as pd words it.
const forbidden = `The main PagerDuty key: PagerDuty refused to add a note for integration "prod" (403): ` +
	`the key, or the From user "noctuary@example.com", lacks the permission.`

// notPostedTriage is the LLM's triage of the golden message whose note
// PagerDuty refused on the given delivery, of 5.
func notPostedTriage(next noctuary.NoteNext, delivery int64) noctuary.Triage {
	t := triage(noctuary.ModeReadOnly)
	t.Engine, t.Hypothesis, t.Confidence = "gemini-2.5-flash", "The deploy of sha=a4f2c1 exhausted checkout's memory", 0.8
	t.Note, t.Undelivered = "Noctuary Context\n…", true
	t.NoteFailure = &noctuary.NoteFailure{Code: noctuary.EForbidden, Reason: forbidden, At: onset.Add(9 * time.Second),
		Next: next, Delivery: delivery, Deliveries: 5}
	return t
}

// TestNotPostedLine: the line that says the note is not on the incident,
// why and what happens next, first in the message; none once the note is
// posted; the reason escaped as any text from outside.
func TestNotPostedLine(t *testing.T) {
	retried := notPostedTriage(noctuary.NoteRetried, 0)
	retried.NoteFailure.Code, retried.NoteFailure.Delivery, retried.NoteFailure.Deliveries = noctuary.EUnavailable, 0, 0
	retried.NoteFailure.Reason = "PagerDuty did not accept the request to add a note after 3 attempt(s); retry in 8s."
	delivered := notPostedTriage(noctuary.NoteRedelivered, 2)
	delivered.Undelivered = false
	unsure := notPostedTriage(noctuary.NoteRetried, 0)
	unsure.NoteFailure.Code, unsure.NoteFailure.Delivery, unsure.NoteFailure.Deliveries = noctuary.EUnavailable, 0, 0
	unsure.NoteFailure.Reason, unsure.NoteFailure.Unsure = "PagerDuty answered 503 to the request to add a note.", true
	hostile := notPostedTriage(noctuary.NoteRedelivered, 1)
	hostile.NoteFailure.Reason = "PagerDuty rejected the request (400: <!channel> *bold* <https://evil.example|click>)."
	tests := []struct {
		name      string
		t         noctuary.Triage
		want, not []string
	}{
		{"retried", retried, []string{":warning: *PagerDuty note not posted* (02:14:09 UTC): PagerDuty did not accept",
			"Retried automatically until PagerDuty accepts it."}, []string{"of 5", "dead-lettered"}},
		{"redelivered", notPostedTriage(noctuary.NoteRedelivered, 2), []string{"(attempt 2 of 5, 02:14:09 UTC)", "(403)",
			"Retried automatically; after attempt 5 the webhook is dead-lettered."}, []string{"replay"}},
		{"dead_lettered", notPostedTriage(noctuary.NoteDeadLettered, 5), []string{":x: *PagerDuty note not posted* (attempt 5 of 5",
			"lacks the permission.", "dead-lettered", "`noctuary replay-dead` posts this note"}, []string{"Retried"}},
		{"may have posted (a 5xx, no answer)", unsure, []string{":warning: *PagerDuty note not confirmed* (02:14:09 UTC): PagerDuty answered 503",
			"It may be on the incident already; the next attempt checks before posting.", "Retried automatically"}, []string{"not posted"}},
		{"posted", delivered, nil, []string{"not posted"}},
		{"hostile reason", hostile, []string{"‹!channel›"}, []string{"<!channel>", "<https://evil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := notPosted(tt.t)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("missing %q in %q", w, line)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(line, n) {
					t.Errorf("%q has %q", line, n)
				}
			}
			if first := sectionTexts(Render(Message{Triage: tt.t}))[0]; (line != "") != (first == line) {
				t.Errorf("first section %q; want the line %q there when there is one", first, line)
			}
		})
	}
}

package blocks

import (
	"fmt"

	"github.com/noctuary/noctuary"
)

// notPosted is the line saying that the triage's note is not on the
// PagerDuty incident, why, and what happens next; "" once it is posted.
func notPosted(t noctuary.Triage) string {
	f := t.NoteFailure
	if f == nil || !t.Undelivered {
		return ""
	}
	reason := oneLine(Truncate(f.Reason, maxResultText))
	head := "*PagerDuty note not posted*"
	if f.Unsure {
		// The attempt may have posted it: the next one checks first.
		head, reason = "*PagerDuty note not confirmed*", reason+" It may be on the incident already; the next attempt checks before posting."
	}
	switch f.Next {
	case noctuary.NoteDeadLettered:
		return fmt.Sprintf(":x: %s (attempt %d of %d, %s UTC): %s Noctuary gave up: the webhook is dead-lettered. "+
			"Once the cause is fixed, `noctuary replay-dead` posts this note.", head, f.Delivery, f.Deliveries, clock(f.At), reason)
	case noctuary.NoteRedelivered:
		return fmt.Sprintf(":warning: %s (attempt %d of %d, %s UTC): %s Retried automatically; "+
			"after attempt %d the webhook is dead-lettered.", head, f.Delivery, f.Deliveries, clock(f.At), reason, f.Deliveries)
	default:
		return fmt.Sprintf(":warning: %s (%s UTC): %s Retried automatically until PagerDuty accepts it.",
			head, clock(f.At), reason)
	}
}

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
	switch f.Next {
	case noctuary.NoteDeadLettered:
		return fmt.Sprintf(":x: *PagerDuty note not posted* (attempt %d of %d, %s UTC): %s Noctuary gave up: the webhook is dead-lettered. "+
			"Once the cause is fixed, `noctuary replay-dead` posts this note.", f.Delivery, f.Deliveries, clock(f.At), reason)
	case noctuary.NoteRedelivered:
		return fmt.Sprintf(":warning: *PagerDuty note not posted* (attempt %d of %d, %s UTC): %s Retried automatically; "+
			"after attempt %d the webhook is dead-lettered.", f.Delivery, f.Deliveries, clock(f.At), reason, f.Deliveries)
	default:
		return fmt.Sprintf(":warning: *PagerDuty note not posted* (%s UTC): %s Retried automatically until PagerDuty accepts it.",
			clock(f.At), reason)
	}
}

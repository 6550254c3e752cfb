package agent

import (
	"context"

	"github.com/noctuary/noctuary"
)

// Postmortems drafts an incident's postmortem once it resolves (package
// postmortem satisfies it): exactly once however often the resolution is
// delivered; an EUnavailable failure leaves the webhook to be retried.
type Postmortems interface {
	Resolved(ctx context.Context, st noctuary.IncidentState) error
}

// resolved drafts the postmortem of a resolved incident that was triaged.
func (w *Worker) resolved(ctx context.Context, ev noctuary.WebhookEvent, st noctuary.IncidentState) error {
	if ev.Type != noctuary.EventIncidentResolved || st.TriageID == "" || w.opt.Postmortems == nil {
		return nil
	}
	return w.opt.Postmortems.Resolved(ctx, st)
}

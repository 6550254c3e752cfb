package agent

import (
	"context"

	"github.com/noctuary/noctuary"
)

// recordRollout keeps what the rollout review counts of ev: a page of a
// service (or of a PagerDuty service no service claims), enabled or not, or
// an acknowledgement with the time it took. A lost record is logged, never
// fatal: the incident's handling does not depend on it. Redeliveries record
// again; the review counts each incident once.
func (w *Worker) recordRollout(ctx context.Context, ev noctuary.WebhookEvent, svc noctuary.Service, known bool, st noctuary.IncidentState) {
	r := noctuary.RolloutRecord{Service: svc.Key, Incident: ev.Incident.ID, Known: known, Enabled: svc.Enabled}
	if !known {
		r.Service = ev.Incident.Service.ID
	}
	switch {
	case r.Service == "":
		return
	case ev.Type == noctuary.EventIncidentTriggered:
		r.Kind = noctuary.RolloutPaged
	case ev.Type == noctuary.EventIncidentAcknowledged && !st.Incident.CreatedAt.IsZero() && !st.AcknowledgedAt.IsZero():
		r.Kind, r.TriggeredAt, r.AcknowledgedAt = noctuary.RolloutAcknowledged, st.Incident.CreatedAt, st.AcknowledgedAt
	default:
		return
	}
	if err := w.opt.State.RecordRollout(ctx, r); err != nil {
		w.opt.Logger.Warn("the rollout record is lost", "incident", ev.Incident.ID, "kind", r.Kind, "error", err)
	}
}

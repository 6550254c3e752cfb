package approvals

import (
	"context"
	"fmt"

	"github.com/noctuary/noctuary"
)

// Acknowledge acknowledges the incident in PagerDuty on u's behalf, naming
// u in a timeline note, with the key of its service's environment. Anyone
// may, when the incident's service is in action mode and nothing is paused;
// acknowledging is not destructive.
func (s *Service) Acknowledge(ctx context.Context, incidentID string, u User) error {
	st, err := s.opt.Store.IncidentState(ctx, incidentID)
	if err != nil {
		return err
	}
	svc, err := s.opt.Store.Service(ctx, st.ServiceKey)
	if err != nil {
		return err
	}
	if err := s.writable(ctx, svc); err != nil {
		return err
	}
	integ, err := s.writer(ctx, svc)
	if noctuary.ErrorCode(err) == noctuary.EForbidden {
		return noctuary.Errorf(noctuary.EForbidden, "%s; acknowledge in PagerDuty", noctuary.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	u = s.withEmail(ctx, u)
	if err := s.opt.Notes.Acknowledge(ctx, integ, incidentID); err != nil {
		s.audit(ctx, u, ActionAcknowledge, svc.Key, incidentID, "failed", map[string]string{"error": err.Error()})
		return noctuary.Wrap(err, noctuary.EUnavailable, fmt.Sprintf("PagerDuty did not acknowledge incident %s; try again or acknowledge in PagerDuty", incidentID))
	}
	s.note(ctx, svc, incidentID, fmt.Sprintf("Acknowledged by %s via Noctuary", person(u)))
	s.audit(ctx, u, ActionAcknowledge, svc.Key, incidentID, "ok", map[string]string{"email": u.Email})
	return nil
}

// Feedback records whether u found the triage's hypothesis right, for its
// service. Anyone may, in any mode; it is audited.
func (s *Service) Feedback(ctx context.Context, triageID string, u User, right bool) error {
	t, err := s.opt.Store.Triage(ctx, triageID)
	if err != nil {
		return err
	}
	if err := s.opt.Store.RecordFeedback(ctx, t.Service, triageID, u.ID, right); err != nil {
		return err
	}
	verdict := "wrong"
	if right {
		verdict = "right"
	}
	s.audit(ctx, u, ActionFeedback, t.Service, t.Incident.ID, verdict, map[string]string{"triage": triageID})
	return nil
}

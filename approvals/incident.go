package approvals

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Acknowledge acknowledges the incident in PagerDuty on u's behalf, naming
// u in a timeline note, with the key of its service's environment. Anyone
// may, when the incident's service is in action mode and nothing is paused;
// acknowledging is not destructive.
func (s *Service) Acknowledge(ctx context.Context, incidentID string, u noctuary.User) error {
	st, err := s.opt.Store.IncidentState(ctx, incidentID)
	if err != nil {
		return err
	}
	svc, err := s.opt.Store.Service(ctx, st.ServiceKey)
	if err != nil {
		return err
	}
	if err := s.MayAct(ctx, svc); err != nil {
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
// service and engine. Anyone may, in any mode; it is audited.
func (s *Service) Feedback(ctx context.Context, triageID string, u noctuary.User, right bool) error {
	t, err := s.opt.Store.Triage(ctx, triageID)
	if err != nil {
		return err
	}
	v := noctuary.Vote{Service: t.Service, TriageID: t.ID, Engine: t.Engine, User: u.ID, Right: right}
	if err := s.opt.Store.RecordFeedback(ctx, v); err != nil {
		return err
	}
	verdict := "wrong"
	if right {
		verdict = "right"
	}
	s.audit(ctx, u, ActionFeedback, t.Service, t.Incident.ID, verdict, map[string]string{"triage": triageID, "engine": t.Engine})
	return nil
}

// Miss records that u found the triage's hypothesis wrong, and what the
// cause was instead: the signal of the triage's list at index signal (nil:
// none of them), or text, or both. Anyone may; it is audited. A cause named
// by nothing, or not in the list, is EInvalid.
func (s *Service) Miss(ctx context.Context, triageID string, u noctuary.User, signal *int, text string) error {
	t, err := s.opt.Store.Triage(ctx, triageID)
	if err != nil {
		return err
	}
	m := noctuary.Miss{Triage: t, User: u.ID, Signal: signal, Text: strings.TrimSpace(text)}
	if p := m.Problems(); p != nil {
		return noctuary.Errorf(noctuary.EInvalid, "%s", strings.Join(slices.Sorted(maps.Values(p)), " "))
	}
	if err := s.opt.Store.RecordMiss(ctx, m); err != nil {
		return err
	}
	details := map[string]string{"triage": triageID, "engine": t.Engine}
	if ev, ok := m.CauseEvent(); ok {
		details["cause_signal"] = ev.Kind + " (" + ev.Source + ")"
	}
	if m.Text != "" {
		details["cause_text"] = m.Text
	}
	s.audit(ctx, u, ActionMiss, t.Service, t.Incident.ID, "wrong", details)
	return nil
}

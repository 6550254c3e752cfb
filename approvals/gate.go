package approvals

import (
	"context"
	"time"

	"github.com/noctuary/noctuary"
)

// MayAct refuses, with noctuary.MayAct's sentence, when nothing may be
// written to PagerDuty or run for svc now: it is disabled, read-only,
// paused, or Noctuary is paused. The front ends ask it before offering a
// decision; Offer, Decide and Acknowledge ask it themselves.
func (s *Service) MayAct(ctx context.Context, svc noctuary.Service) error {
	paused, err := s.opt.Store.GlobalPaused(ctx)
	if err != nil {
		return err
	}
	return noctuary.MayAct(svc, paused)
}

// writer returns the ID of the integration that writes svc's incidents to
// PagerDuty: the one of svc's environment, whichever integration's webhook
// delivered the incident. When nothing may be written there (the
// environment has no integration, or it is inbound-only), the EForbidden
// error says so; another environment's key is never used instead.
func (s *Service) writer(ctx context.Context, svc noctuary.Service) (string, error) {
	in, err := s.opt.Store.IntegrationForEnvironment(ctx, svc.Environment)
	switch {
	case noctuary.ErrorCode(err) == noctuary.ENotFound:
		return "", noctuary.Errorf(noctuary.EForbidden, "environment %s of %s has no PagerDuty integration: Noctuary writes nothing to PagerDuty there", svc.Environment, svc.Key)
	case err != nil:
		return "", err
	case in.Direction == noctuary.DirectionInbound:
		return "", noctuary.Errorf(noctuary.EForbidden, "integration %s is inbound-only: Noctuary writes nothing to PagerDuty there", in.ID)
	}
	return in.ID, nil
}

// NoteTimeout bounds each timeline note, retries included, so that a run
// (two notes, the action, one note) has a known bound.
const NoteTimeout = 15 * time.Second

// note adds a timeline note to the incident with the key of svc's
// environment, unless nothing may be written there (see writer), within
// NoteTimeout. A failure is logged: the note documents a decision that
// stands.
func (s *Service) note(ctx context.Context, svc noctuary.Service, incidentID, content string) {
	ctx, cancel := context.WithTimeout(ctx, NoteTimeout)
	defer cancel()
	integ, err := s.writer(ctx, svc)
	if noctuary.ErrorCode(err) == noctuary.EForbidden {
		s.opt.Logger.Info("timeline note kept out of PagerDuty", "incident", incidentID, "reason", noctuary.ErrorMessage(err), "note", content)
		return
	}
	if err == nil {
		err = s.opt.Notes.AddNote(ctx, integ, incidentID, content)
	}
	if err != nil {
		s.opt.Logger.Error("timeline note lost", "incident", incidentID, "note", content, "err", err)
	}
}

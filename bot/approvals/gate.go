package approvals

import (
	"context"
	"time"

	"github.com/noctuary/noctuary"
)

// writable refuses, with a sentence saying how to change it, when nothing
// may be written to PagerDuty or run for svc: it is disabled, read-only,
// paused, or Noctuary is paused.
func (s *Service) writable(ctx context.Context, svc noctuary.Service) error {
	switch {
	case !svc.Enabled:
		return noctuary.Errorf(noctuary.EForbidden, "%s is not enabled; an admin can enable it with /noctuary enable %s", svc.Key, svc.Key)
	case svc.Mode != noctuary.ModeAction:
		return noctuary.Errorf(noctuary.EForbidden, "%s is read-only; an admin can promote it with /noctuary mode %s action", svc.Key, svc.Key)
	case svc.Paused:
		return noctuary.Errorf(noctuary.EForbidden, "%s is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume %s", svc.Key, svc.Key)
	}
	paused, err := s.opt.Store.GlobalPaused(ctx)
	if err != nil {
		return err
	}
	if paused {
		return noctuary.Errorf(noctuary.EForbidden, "Noctuary is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume")
	}
	return nil
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

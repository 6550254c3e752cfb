package approvals

import (
	"context"

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

// inbound reports whether the integration may not write to PagerDuty.
func (s *Service) inbound(ctx context.Context, integrationID string) (bool, error) {
	in, err := s.opt.Store.Integration(ctx, integrationID)
	if err != nil {
		return false, err
	}
	return in.Direction == noctuary.DirectionInbound, nil
}

// note adds a timeline note, unless the integration is inbound-only. A
// failure is logged: the note documents a decision that stands.
func (s *Service) note(ctx context.Context, st noctuary.IncidentState, content string) {
	in, err := s.inbound(ctx, st.Integration)
	if err == nil && in {
		s.opt.Logger.Info("timeline note kept out of PagerDuty (inbound integration)", "incident", st.Incident.ID, "note", content)
		return
	}
	if err == nil {
		err = s.opt.Notes.AddNote(ctx, st.Integration, st.Incident.ID, content)
	}
	if err != nil {
		s.opt.Logger.Error("timeline note lost", "incident", st.Incident.ID, "note", content, "err", err)
	}
}

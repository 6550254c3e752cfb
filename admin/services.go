package admin

import (
	"context"
	"slices"

	"github.com/noctuary/noctuary"
)

// Audit actions of service changes.
const (
	ActionCreate         = "service.create"
	ActionEnable         = "service.enable"
	ActionDisable        = "service.disable"
	ActionMode           = "service.mode"
	ActionApproverAdd    = "service.approver.add"
	ActionApproverRemove = "service.approver.remove"
	ActionPause          = "service.pause"
	ActionResume         = "service.resume"
	ActionPauseAll       = "noctuary.pause"
	ActionResumeAll      = "noctuary.resume"
)

// Enable turns service on, in its Slack channel when channel (a channel ID)
// is given. The service must exist (declared in the file, or made by
// Create): an unknown key is refused with the nearest known one, so a typo
// never creates a phantom service.
func (a *Admin) Enable(ctx context.Context, actor, service, channel string) (noctuary.Service, error) {
	details := map[string]string{}
	if channel != "" {
		details["channel"] = channel
	}
	svc, err := noctuary.Service{}, validChannel(channel)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			s.Enabled = true
			if channel != "" {
				s.SlackChannel = channel
			}
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionEnable, service, details, err)
}

// Disable turns service off: no notes, no Slack messages, no actions.
func (a *Admin) Disable(ctx context.Context, actor, service string) (noctuary.Service, error) {
	svc, err := a.update(ctx, service, func(s *noctuary.Service) error {
		s.Enabled = false
		return nil
	})
	return svc, a.audit(ctx, actor, ActionDisable, service, nil, err)
}

// SetMode sets service's mode (read-only or action).
func (a *Admin) SetMode(ctx context.Context, actor, service string, mode noctuary.Mode) (noctuary.Service, error) {
	details := map[string]string{"mode": string(mode)}
	svc, err := noctuary.Service{}, validMode(mode)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			details["previous"] = string(s.Mode)
			s.Mode = mode
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionMode, service, details, err)
}

// AddApprover lets a Slack user (U…/W…) or the members of a user group (S…)
// approve service's actions. Adding a present approver changes nothing.
func (a *Admin) AddApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error) {
	svc, err := noctuary.Service{}, validApprover(approver)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			if !slices.Contains(s.Approvers, approver) {
				s.Approvers = append(s.Approvers, approver)
			}
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionApproverAdd, service, map[string]string{"approver": approver}, err)
}

// RemoveApprover removes an approver of service.
func (a *Admin) RemoveApprover(ctx context.Context, actor, service, approver string) (noctuary.Service, error) {
	svc, err := noctuary.Service{}, validApprover(approver)
	if err == nil {
		svc, err = a.update(ctx, service, func(s *noctuary.Service) error {
			i := slices.Index(s.Approvers, approver)
			if i < 0 {
				return noctuary.Errorf(noctuary.ENotFound, "%s is not an approver of %s", approver, service)
			}
			s.Approvers = slices.Delete(s.Approvers, i, i+1)
			return nil
		})
	}
	return svc, a.audit(ctx, actor, ActionApproverRemove, service, map[string]string{"approver": approver}, err)
}

// Pause stops every PagerDuty write and action of service, or of every
// service when service is "" (the global kill switch). Triage goes on.
func (a *Admin) Pause(ctx context.Context, actor, service string) error {
	return a.setPaused(ctx, actor, service, true)
}

// Resume undoes Pause for service, or lifts the global kill switch when
// service is "" (services paused one by one stay paused).
func (a *Admin) Resume(ctx context.Context, actor, service string) error {
	return a.setPaused(ctx, actor, service, false)
}

func (a *Admin) setPaused(ctx context.Context, actor, service string, paused bool) error {
	action, all := ActionResume, ActionResumeAll
	if paused {
		action, all = ActionPause, ActionPauseAll
	}
	if service == "" {
		return a.audit(ctx, actor, all, "", nil, a.opt.Store.SetGlobalPaused(ctx, paused))
	}
	_, err := a.update(ctx, service, func(s *noctuary.Service) error {
		s.Paused = paused
		return nil
	})
	return a.audit(ctx, actor, action, service, nil, err)
}

// Paused reports whether writes and actions of service are paused, by the
// global kill switch or its own (an unknown service only by the global one).
// Service "" asks about the global switch only.
func (a *Admin) Paused(ctx context.Context, service string) (bool, error) {
	paused, err := a.opt.Store.GlobalPaused(ctx)
	if err != nil || paused || service == "" {
		return paused, err
	}
	svc, err := a.opt.Store.Service(ctx, service)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return false, nil
	}
	return svc.Paused, err
}

// service returns the settings of a known service.
func (a *Admin) service(ctx context.Context, key string) (noctuary.Service, error) {
	if err := validService(key); err != nil {
		return noctuary.Service{}, err
	}
	svc, err := a.opt.Store.Service(ctx, key)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return svc, a.unknownService(ctx, key)
	}
	return svc, err
}

// update changes a known service atomically.
func (a *Admin) update(ctx context.Context, key string, fn func(*noctuary.Service) error) (noctuary.Service, error) {
	if _, err := a.service(ctx, key); err != nil {
		return noctuary.Service{}, err
	}
	return a.opt.Store.UpdateService(ctx, key, fn)
}

package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// MayApprove reports whether u may approve (or apply) svc's actions for the
// incident: u is one of svc's approvers, a member of one of its approver
// user groups, or — with approve_oncall — on call now for the incident's
// escalation policy, matched by email. The sentence names who may approve,
// for a refusal. When u is not authorised and a lookup failed, the error
// says so (a refusal that may be wrong is not presented as final).
func (s *Service) MayApprove(ctx context.Context, svc noctuary.Service, incident noctuary.IncidentState, u noctuary.User) (bool, string, error) {
	who := whoMayApprove(svc)
	if slices.Contains(svc.Approvers, u.ID) {
		return true, who, nil
	}
	var errs []error
	for _, g := range svc.Approvers {
		if !strings.HasPrefix(g, "S") {
			continue
		}
		members, err := s.opt.Directory.UserGroupMembers(ctx, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("user group %s: %w", g, err))
			continue
		}
		if slices.Contains(members, u.ID) {
			return true, who, nil
		}
	}
	if svc.ApproveOncall {
		ok, err := s.onCall(ctx, svc, incident, u)
		if ok {
			return true, who, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return false, who, noctuary.Wrap(errors.Join(errs...), noctuary.EUnavailable,
			"could not check who may approve (Slack or PagerDuty did not answer); try again")
	}
	return false, who, nil
}

// onCall reports whether u's email is among the on-call emails of the
// incident's escalation policy, read with the integration of svc's
// environment.
func (s *Service) onCall(ctx context.Context, svc noctuary.Service, st noctuary.IncidentState, u noctuary.User) (bool, error) {
	ep := st.Incident.EscalationPolicy.ID
	if u.Email == "" || ep == "" {
		return false, nil
	}
	if s.opt.OnCall == nil {
		return false, errors.New("no on-call lookup is configured")
	}
	in, err := s.opt.Store.IntegrationForEnvironment(ctx, svc.Environment)
	if err != nil {
		return false, fmt.Errorf("on-call of %s: %w", ep, err)
	}
	emails, err := s.opt.OnCall.OnCallEmails(ctx, in.ID, ep)
	if err != nil {
		return false, fmt.Errorf("on-call of %s: %w", ep, err)
	}
	return slices.ContainsFunc(emails, func(e string) bool { return strings.EqualFold(e, u.Email) }), nil
}

// whoMayApprove is the sentence of a refusal.
func whoMayApprove(svc noctuary.Service) string {
	var names []string
	for _, a := range svc.Approvers {
		if strings.HasPrefix(a, "S") {
			names = append(names, "<!subteam^"+a+">")
		} else {
			names = append(names, "<@"+a+">")
		}
	}
	oncall := ""
	if svc.ApproveOncall {
		oncall = "whoever is on call for it in PagerDuty"
	}
	switch {
	case len(names) == 0 && oncall == "":
		return fmt.Sprintf("nobody may approve actions of %s yet; an admin can add approvers with /noctuary approvers %s add @user", svc.Key, svc.Key)
	case len(names) == 0:
		return fmt.Sprintf("only %s may approve actions of %s", oncall, svc.Key)
	case oncall == "":
		return fmt.Sprintf("only the approvers of %s may approve its actions: %s", svc.Key, strings.Join(names, ", "))
	}
	return fmt.Sprintf("only the approvers of %s (%s) and %s may approve its actions", svc.Key, strings.Join(names, ", "), oncall)
}

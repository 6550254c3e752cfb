package approvals

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/noctuary/noctuary"
)

// Decide approves (destructive) or applies (non-destructive) the action of
// approval approvalID on u's behalf, and runs it. The service must be in
// action mode and not paused, and u authorised (MayApprove); otherwise the
// EForbidden error says why, or who may. The pending -> running transition
// is atomic: of a double click, two approvers or a retried request exactly
// one runs the action, the others get EConflict naming who approved. An
// expired approval gives EInvalid. The returned approval is done or failed
// with the result; the decision, the execution and the result are each
// audited and each becomes a timeline note.
//
// runner identifies this run (the click's job). When the same runner comes
// back to an approval it left running, the run before it died mid-action:
// the approval becomes unknown, with a timeline note telling the engineer
// to check by hand, and the action is not run again.
func (s *Service) Decide(ctx context.Context, approvalID, runner string, u noctuary.User) (noctuary.Approval, error) {
	a, err := s.opt.Store.Approval(ctx, approvalID)
	if err != nil {
		return a, err
	}
	if a.State == noctuary.ApprovalRunning && runner != "" && a.Runner == runner {
		return s.lost(ctx, a)
	}
	if err := s.stillPending(ctx, a); err != nil {
		return a, err
	}
	svc, st, spec, err := s.load(ctx, a)
	if err != nil {
		return a, err
	}
	u = s.withEmail(ctx, u)
	ok, who, err := s.MayApprove(ctx, svc, st, u)
	if err == nil && !ok {
		err = noctuary.Errorf(noctuary.EForbidden, "you may not %s %s: %s", verb(a), a.Action, who)
		s.audit(ctx, u, decision(a), a.Service, a.IncidentID, noctuary.EForbidden, map[string]string{"approval": a.ID, "error": who})
	}
	if err != nil {
		return a, err
	}
	a, err = s.opt.Store.RunApproval(ctx, a.ID, u.ID, runner)
	if err != nil {
		return a, decided(a, err)
	}
	// Once running, the run and its records finish even if the caller gives up.
	return s.execute(context.WithoutCancel(ctx), a, svc, st, spec, u), nil
}

// stillPending refuses a decided or expired approval.
func (s *Service) stillPending(ctx context.Context, a noctuary.Approval) error {
	if a.State != noctuary.ApprovalPending {
		return decided(a, nil)
	}
	if s.opt.Now().Before(a.ExpiresAt) {
		return nil
	}
	a, err := s.opt.Store.TransitionApproval(ctx, a.ID, noctuary.ApprovalPending, noctuary.ApprovalExpired, "", "")
	if err != nil && noctuary.ErrorCode(err) != noctuary.EConflict {
		return err
	}
	return decided(a, nil)
}

// load returns what running approval a needs, refusing when the service
// may not run actions now or no longer declares the action.
func (s *Service) load(ctx context.Context, a noctuary.Approval) (noctuary.Service, noctuary.IncidentState, noctuary.ActionSpec, error) {
	svc, err := s.opt.Store.Service(ctx, a.Service)
	if err != nil {
		return svc, noctuary.IncidentState{}, noctuary.ActionSpec{}, err
	}
	if err := s.MayAct(ctx, svc); err != nil {
		return svc, noctuary.IncidentState{}, noctuary.ActionSpec{}, err
	}
	spec, ok := svc.Action(a.Action)
	if !ok {
		return svc, noctuary.IncidentState{}, spec, noctuary.Errorf(noctuary.EInvalid, "action %s is no longer declared for %s; nothing ran", a.Action, a.Service)
	}
	st, err := s.opt.Store.IncidentState(ctx, a.IncidentID)
	return svc, st, spec, err
}

// decided words the refusal of an approval that is no longer pending; err
// is returned for any other state.
func decided(a noctuary.Approval, err error) error {
	switch a.State {
	case noctuary.ApprovalExpired:
		return noctuary.Errorf(noctuary.EInvalid, "this approval expired at %s; nothing ran", a.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	case noctuary.ApprovalRejected:
		return noctuary.Errorf(noctuary.EConflict, "%s was already rejected by <@%s>; nothing ran", a.Action, a.DecidedBy)
	case noctuary.ApprovalRunning, noctuary.ApprovalDone, noctuary.ApprovalFailed, noctuary.ApprovalUnknown:
		return noctuary.Errorf(noctuary.EConflict, "%s was already %s by <@%s> (%s)", a.Action, pastVerb(a), a.DecidedBy, a.State)
	}
	if err != nil {
		return err
	}
	return noctuary.Errorf(noctuary.EConflict, "this approval is %q; nothing ran", a.State)
}

// execute records the decision, runs the action and records its result.
func (s *Service) execute(ctx context.Context, a noctuary.Approval, svc noctuary.Service, st noctuary.IncidentState, spec noctuary.ActionSpec, u noctuary.User) noctuary.Approval {
	ids := fmt.Sprintf("audit %s, approval %s", a.TriageID, a.ID)
	details := map[string]string{"approval": a.ID, "triage": a.TriageID, "action": a.Action, "email": u.Email}
	for k, v := range a.Params {
		details["param."+k] = v
	}
	s.audit(ctx, u, decision(a), a.Service, a.IncidentID, "ok", details)
	s.note(ctx, svc, a.IncidentID, fmt.Sprintf("%s %s — by %s via Noctuary, %s", strings.ToUpper(pastVerb(a)[:1])+pastVerb(a)[1:], describe(a), person(u), ids))
	s.note(ctx, svc, a.IncidentID, fmt.Sprintf("Running %s through its webhook at %s — %s", describe(a), host(spec.Webhook), ids))
	s.audit(ctx, u, ActionExecute, a.Service, a.IncidentID, "sent", map[string]string{"approval": a.ID, "webhook_host": host(spec.Webhook)})
	res := s.opt.Runner.Run(ctx, noctuary.ActionRequest{Action: spec, Params: a.Params, Incident: st.Incident, Service: a.Service,
		ApprovedBy: u.ID, ApprovedByEmail: u.Email, AuditID: a.ID})
	state, summary := outcome(a.Action, res)
	s.note(ctx, svc, a.IncidentID, fmt.Sprintf("%s — %s", summary, ids))
	s.audit(ctx, u, ActionResult, a.Service, a.IncidentID, string(state),
		map[string]string{"approval": a.ID, "status": strconv.Itoa(res.Status), "body": res.Body})
	final, err := s.opt.Store.TransitionApproval(ctx, a.ID, noctuary.ApprovalRunning, state, u.ID, summary)
	if err != nil {
		s.opt.Logger.Error("recording an action's result", "approval", a.ID, "state", state, "err", err)
		a.State, a.Result = state, summary
		return a
	}
	return final
}

// outcome is the approval's final state and the result's sentence: the
// status and the first 500 characters of the answer.
func outcome(action string, res noctuary.ActionResult) (noctuary.ApprovalState, string) {
	if res.Err == nil {
		return noctuary.ApprovalDone, fmt.Sprintf("%s succeeded: HTTP %d %s", action, res.Status, res.Body)
	}
	text := noctuary.ErrorMessage(res.Err)
	if res.Body != "" {
		text += ": " + res.Body
	}
	return noctuary.ApprovalFailed, text
}

func decision(a noctuary.Approval) string {
	if a.Destructive {
		return ActionApprove
	}
	return ActionApply
}

func verb(a noctuary.Approval) string {
	if a.Destructive {
		return "approve"
	}
	return "apply"
}

func pastVerb(a noctuary.Approval) string {
	if a.Destructive {
		return "approved"
	}
	return "applied"
}

// host is the webhook's host, for the audit log (never its path or query).
func host(webhook string) string {
	u, err := url.Parse(webhook)
	if err != nil {
		return ""
	}
	return u.Host
}

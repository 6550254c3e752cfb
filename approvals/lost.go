package approvals

import (
	"context"
	"fmt"

	"github.com/noctuary/noctuary"
)

// ActionLost is the audit action of an approval whose runner died while
// its action ran.
const ActionLost = "action.lost"

// lost marks running approval a unknown: its runner died mid-action, so
// whether the action took effect is unknown. It is never re-run; the
// timeline note and the returned result tell the engineer to check by hand.
// Of several workers finding it, one records it.
func (s *Service) lost(ctx context.Context, a noctuary.Approval) (noctuary.Approval, error) {
	summary := fmt.Sprintf("Noctuary lost track of %s while it ran (its runner stopped), so whether it took effect is unknown. "+
		"It was not run again: check by hand.", a.Action)
	final, err := s.opt.Store.TransitionApproval(ctx, a.ID, noctuary.ApprovalRunning, noctuary.ApprovalUnknown, a.DecidedBy, summary)
	if err != nil {
		return final, decided(final, err)
	}
	svc, err := s.opt.Store.Service(ctx, a.Service)
	if err != nil {
		s.opt.Logger.Error("timeline note lost: the service is unreadable", "approval", a.ID, "err", err)
	} else {
		s.note(ctx, svc, a.IncidentID, fmt.Sprintf("%s — audit %s, approval %s", summary, a.TriageID, a.ID))
	}
	s.audit(ctx, noctuary.User{ID: a.DecidedBy}, ActionLost, a.Service, a.IncidentID, string(noctuary.ApprovalUnknown),
		map[string]string{"approval": a.ID, "action": a.Action})
	return final, nil
}

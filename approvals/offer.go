package approvals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"

	"github.com/noctuary/noctuary"
)

// Offer records a pending approval for the triage's recommended action and
// returns it as an offer, when the recommendation names an action declared
// for svc, with exactly its declared params, and svc is enabled, in action
// mode and not paused. Otherwise there is nothing to offer. Offering the
// same triage again returns the same approval.
func (s *Service) Offer(ctx context.Context, t noctuary.Triage, svc noctuary.Service) ([]noctuary.Offer, error) {
	rec := t.Recommendation
	if !rec.Executable() {
		return nil, nil
	}
	if err := s.MayAct(ctx, svc); err != nil {
		if noctuary.ErrorCode(err) == noctuary.EForbidden {
			err = nil
		}
		return nil, err
	}
	spec, ok := svc.Action(rec.Action)
	if !ok {
		s.opt.Logger.Warn("recommended action is not declared; not offered", "service", svc.Key, "triage", t.ID, "action", rec.Action)
		return nil, nil
	}
	if !sameParams(spec.Params, rec.Params) {
		s.opt.Logger.Warn("recommended action's params differ from the declared ones; not offered", "service", svc.Key,
			"triage", t.ID, "action", rec.Action, "declared", spec.Params, "given", slices.Sorted(maps.Keys(rec.Params)))
		return nil, nil
	}
	now := s.opt.Now()
	a := noctuary.Approval{
		ID: approvalID(t.ID, spec.Name, rec.Params), TriageID: t.ID, IncidentID: t.Incident.ID, Service: svc.Key,
		Action: spec.Name, Params: rec.Params, Destructive: spec.Destructive, State: noctuary.ApprovalPending,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.TTL),
	}
	if err := s.opt.Store.CreateApproval(ctx, a); err != nil && noctuary.ErrorCode(err) != noctuary.EConflict {
		return nil, err
	}
	label := "Apply"
	if spec.Destructive {
		label = "Approve " + spec.Name
	}
	return []noctuary.Offer{{ApprovalID: a.ID, Action: spec.Name, Destructive: spec.Destructive, Label: label}}, nil
}

// sameParams reports whether given has a non-empty value for each declared
// param, and nothing else.
func sameParams(declared []string, given map[string]string) bool {
	if len(declared) != len(given) {
		return false
	}
	for _, p := range declared {
		if given[p] == "" {
			return false
		}
	}
	return true
}

// approvalID derives the approval's ID from what it approves, so that
// offering a triage twice records one approval.
func approvalID(triageID, action string, params map[string]string) string {
	h := sha256.New()
	h.Write([]byte(triageID + "\x00" + action))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		h.Write([]byte("\x00" + k + "=" + params[k]))
	}
	return "ap_" + hex.EncodeToString(h.Sum(nil))[:24]
}

// describe names the action and its params: "rollback (sha=f8b3e22)".
func describe(a noctuary.Approval) string { return a.Describe() }

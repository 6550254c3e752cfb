package approvals

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"

	"github.com/noctuary/noctuary"
)

// Offer records a pending approval for each of the triage's ranked
// suggestions (Triage.Ranked) that names an action declared for svc, with
// exactly its declared params, and returns them as offers, when svc is
// enabled, in action mode and not paused. Otherwise there is nothing to
// offer; a suggestion that is not a declared action is text and is never
// offered. Offering the same triage again returns the same approvals.
func (s *Service) Offer(ctx context.Context, t noctuary.Triage, svc noctuary.Service) ([]noctuary.Offer, error) {
	ranked := t.Ranked()
	if !slices.ContainsFunc(ranked, func(sg noctuary.Suggestion) bool { return sg.Executable() }) {
		return nil, nil
	}
	if err := s.MayAct(ctx, svc); err != nil {
		if noctuary.ErrorCode(err) == noctuary.EForbidden {
			err = nil
		}
		return nil, err
	}
	var offers []noctuary.Offer
	for i, sg := range ranked {
		o, ok, err := s.offer(ctx, t, svc, sg.Recommendation)
		if err != nil {
			return nil, err
		}
		if ok && !slices.ContainsFunc(offers, func(x noctuary.Offer) bool { return x.ApprovalID == o.ApprovalID }) {
			o.Suggestion = i
			offers = append(offers, o)
		}
	}
	return offers, nil
}

// offer records the pending approval of rec's action, when it names one
// declared for svc with exactly its declared params.
func (s *Service) offer(ctx context.Context, t noctuary.Triage, svc noctuary.Service, rec noctuary.Recommendation) (noctuary.Offer, bool, error) {
	if !rec.Executable() {
		return noctuary.Offer{}, false, nil
	}
	spec, ok := svc.Action(rec.Action)
	if !ok {
		s.opt.Logger.Warn("suggested action is not declared; not offered", "service", svc.Key, "triage", t.ID, "action", rec.Action)
		return noctuary.Offer{}, false, nil
	}
	if !sameParams(spec.Params, rec.Params) {
		s.opt.Logger.Warn("suggested action's params differ from the declared ones; not offered", "service", svc.Key,
			"triage", t.ID, "action", rec.Action, "declared", spec.Params, "given", slices.Sorted(maps.Keys(rec.Params)))
		return noctuary.Offer{}, false, nil
	}
	now := s.opt.Now()
	a := noctuary.Approval{
		ID: approvalID(t.ID, spec.Name, rec.Params), TriageID: t.ID, IncidentID: t.Incident.ID, Service: svc.Key,
		Action: spec.Name, Params: rec.Params, Destructive: spec.Destructive, State: noctuary.ApprovalPending,
		CreatedAt: now, ExpiresAt: now.Add(s.opt.TTL),
	}
	if err := s.opt.Store.CreateApproval(ctx, a); err != nil && noctuary.ErrorCode(err) != noctuary.EConflict {
		return noctuary.Offer{}, false, err
	}
	label := "Apply"
	if spec.Destructive {
		label = "Approve " + spec.Name
	}
	return noctuary.Offer{ApprovalID: a.ID, Action: spec.Name, Destructive: spec.Destructive, Label: label}, true, nil
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

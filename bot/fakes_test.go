package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/bot/approvals"
)

// recorder collects the calls a fake received, as readable strings.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// fakeAdmin records admin operations; service "missing" is unknown.
type fakeAdmin struct {
	recorder
	paused map[string]bool
	keys   []admin.KeyStatus
	audit  []noctuary.AuditEntry
	err    error // returned by RotateKey
}

func (a *fakeAdmin) svc(key string) (noctuary.Service, error) {
	if key == "missing" {
		return noctuary.Service{}, noctuary.Errorf(noctuary.ENotFound, "service %q is not configured", key)
	}
	return noctuary.Service{Key: key, Environment: "default", Enabled: true, Mode: noctuary.ModeReadOnly}, nil
}

func (a *fakeAdmin) Status(_ context.Context, service string) ([]noctuary.Service, error) {
	a.record("Status %s", service)
	return []noctuary.Service{{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction,
		SlackChannel: "C0CHECKOUT", Approvers: []string{"U0ALICE", "S0SRETEAM"}, ApproveOncall: true}}, nil
}

func (a *fakeAdmin) Enable(_ context.Context, actor, service, channel string) (noctuary.Service, error) {
	a.record("Enable %s %s %s", actor, service, channel)
	s, err := a.svc(service)
	s.SlackChannel = channel
	return s, err
}

func (a *fakeAdmin) Disable(_ context.Context, actor, service string) (noctuary.Service, error) {
	a.record("Disable %s %s", actor, service)
	s, err := a.svc(service)
	s.Enabled = false
	return s, err
}

func (a *fakeAdmin) SetMode(_ context.Context, actor, service string, mode noctuary.Mode) (noctuary.Service, error) {
	a.record("SetMode %s %s %s", actor, service, mode)
	s, err := a.svc(service)
	s.Mode = mode
	return s, err
}

func (a *fakeAdmin) AddApprover(_ context.Context, actor, service, approver string) (noctuary.Service, error) {
	a.record("AddApprover %s %s %s", actor, service, approver)
	s, err := a.svc(service)
	s.Approvers = []string{approver}
	return s, err
}

func (a *fakeAdmin) RemoveApprover(_ context.Context, actor, service, approver string) (noctuary.Service, error) {
	a.record("RemoveApprover %s %s %s", actor, service, approver)
	return a.svc(service)
}

func (a *fakeAdmin) Pause(_ context.Context, actor, service string) error {
	a.record("Pause %s %s", actor, service)
	return nil
}

func (a *fakeAdmin) Resume(_ context.Context, actor, service string) error {
	a.record("Resume %s %s", actor, service)
	return nil
}

func (a *fakeAdmin) Paused(_ context.Context, service string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.paused[service] || a.paused[""], nil
}

func (a *fakeAdmin) Keys(context.Context) ([]admin.KeyStatus, error) { return a.keys, nil }

func (a *fakeAdmin) RotateKey(_ context.Context, actor, environment string, newToken noctuary.Secret) error {
	a.record("RotateKey %s %s %s", actor, environment, newToken.Reveal())
	return a.err
}

func (a *fakeAdmin) AuditLog(_ context.Context, service string, limit int) ([]noctuary.AuditEntry, error) {
	a.record("AuditLog %s %d", service, limit)
	return a.audit, nil
}

// fakeApprovals offers the triage's recommended action and decides each
// approval once; approvers may decide.
type fakeApprovals struct {
	recorder
	approvers []string
	decided   map[string]bool
}

func (f *fakeApprovals) Offer(_ context.Context, t noctuary.Triage, svc noctuary.Service) ([]approvals.Offer, error) {
	f.record("Offer %s %s", t.ID, svc.Mode)
	if svc.Mode != noctuary.ModeAction || !t.Recommendation.Executable() {
		return nil, nil
	}
	return []approvals.Offer{{ApprovalID: "apr-" + t.ID, Action: t.Recommendation.Action, Destructive: t.Recommendation.Destructive}}, nil
}

func (f *fakeApprovals) Decide(_ context.Context, id string, u approvals.User) (noctuary.Approval, error) {
	f.record("Decide %s %s %s %s", id, u.ID, u.Name, u.Email)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.Contains(strings.Join(f.approvers, " "), u.ID) {
		return noctuary.Approval{}, noctuary.Errorf(noctuary.EForbidden, "Only the approvers of checkout may approve: <@U0ALICE>.")
	}
	if f.decided[id] {
		return noctuary.Approval{}, noctuary.Errorf(noctuary.EConflict, "This action was already decided.")
	}
	f.decided[id] = true
	return noctuary.Approval{ID: id, Action: "rollback", Destructive: true, State: noctuary.ApprovalDone,
		Result: "HTTP 200", DecidedBy: u.ID, DecidedAt: time.Now()}, nil
}

func (f *fakeApprovals) Acknowledge(_ context.Context, incidentID string, u approvals.User) error {
	f.record("Acknowledge %s %s", incidentID, u.Email)
	return nil
}

func (f *fakeApprovals) Feedback(_ context.Context, triageID string, u approvals.User, right bool) error {
	f.record("Feedback %s %s %t", triageID, u.ID, right)
	return nil
}

package approvals

import (
	"context"
	"log/slog"
	"time"

	"github.com/noctuary/noctuary"
)

// DefaultTTL is how long an offered action can be approved
// (NOCTUARY_APPROVAL_TTL).
const DefaultTTL = 30 * time.Minute

// Store is what the approvals need of the store (package store satisfies it).
type Store interface {
	Service(ctx context.Context, key string) (noctuary.Service, error)
	IncidentState(ctx context.Context, incidentID string) (noctuary.IncidentState, error)
	Triage(ctx context.Context, triageID string) (noctuary.Triage, error)
	IntegrationForEnvironment(ctx context.Context, env string) (noctuary.Integration, error)
	GlobalPaused(ctx context.Context) (bool, error)
	CreateApproval(ctx context.Context, a noctuary.Approval) error
	Approval(ctx context.Context, id string) (noctuary.Approval, error)
	TransitionApproval(ctx context.Context, id string, from, to noctuary.ApprovalState, by, result string) (noctuary.Approval, error)
	RunApproval(ctx context.Context, id, by, runner string) (noctuary.Approval, error)
	RecordFeedback(ctx context.Context, v noctuary.Vote) error
	RecordMiss(ctx context.Context, m noctuary.Miss) error
	Audit(ctx context.Context, e noctuary.AuditEntry) (string, error)
}

// Runner runs a declared action (package agent/actions satisfies it).
type Runner interface {
	Run(ctx context.Context, req noctuary.ActionRequest) noctuary.ActionResult
}

// Notes writes to an incident's PagerDuty timeline with the key of the
// integration, that of the incident's service's environment (Main wires it
// to package pd).
type Notes interface {
	AddNote(ctx context.Context, integrationID, incidentID, content string) error
	Acknowledge(ctx context.Context, integrationID, incidentID string) error
}

// Directory looks Slack users and user groups up (package bot satisfies it
// with usergroups.users.list and users.info).
type Directory interface {
	UserGroupMembers(ctx context.Context, groupID string) ([]string, error)
	UserEmail(ctx context.Context, userID string) (string, error)
}

// OnCall lists the emails of whoever PagerDuty has on call now for an
// escalation policy (Main wires it to package pd).
type OnCall interface {
	OnCallEmails(ctx context.Context, integrationID, escalationPolicyID string) ([]string, error)
}

// Options configures a Service. Store, Runner, Notes and Directory are
// required; OnCall is needed for services that set approve_oncall (without
// it, nobody is authorised as on-call).
type Options struct {
	Store     Store
	Runner    Runner
	Notes     Notes
	Directory Directory
	OnCall    OnCall
	// TTL is how long an approval stays valid (default 30 minutes).
	TTL    time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Service offers, authorises and runs actions. It keeps no state of its own.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service {
	if opt.TTL <= 0 {
		opt.TTL = DefaultTTL
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Service{opt: opt}
}

// Audit actions.
const (
	ActionApprove     = "action.approve"
	ActionApply       = "action.apply"
	ActionExecute     = "action.execute"
	ActionResult      = "action.result"
	ActionAcknowledge = "incident.acknowledge"
	ActionFeedback    = "triage.feedback"
	ActionMiss        = "triage.miss"
)

// audit records an entry; a lost entry is logged, never fatal to the
// decision it describes.
func (s *Service) audit(ctx context.Context, u noctuary.User, action, service, incident, result string, details map[string]string) {
	e := noctuary.AuditEntry{Time: s.opt.Now(), Actor: "slack:" + u.ID, Action: action, Service: service,
		Incident: incident, Result: result, Details: details}
	if _, err := s.opt.Store.Audit(ctx, e); err != nil {
		s.opt.Logger.Error("audit entry lost", "action", action, "service", service, "incident", incident, "err", err)
	}
}

// withEmail fills u's email from the directory when the caller did not.
func (s *Service) withEmail(ctx context.Context, u noctuary.User) noctuary.User {
	if u.Email != "" || s.opt.Directory == nil {
		return u
	}
	email, err := s.opt.Directory.UserEmail(ctx, u.ID)
	if err != nil {
		s.opt.Logger.Warn("looking up a Slack user's email", "user", u.ID, "err", err)
	}
	u.Email = email
	return u
}

// person names u in a timeline note: "Alice <alice@example.com>".
func person(u noctuary.User) string {
	name := u.Name
	if name == "" {
		name = "Slack user " + u.ID
	}
	if u.Email != "" {
		name += " <" + u.Email + ">"
	}
	return name
}

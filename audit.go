package noctuary

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// ApprovalState is where an approval stands; transitions are atomic in Redis.
type ApprovalState string

// Approval states.
const (
	ApprovalPending  ApprovalState = "pending"
	ApprovalRunning  ApprovalState = "running"
	ApprovalDone     ApprovalState = "done"
	ApprovalFailed   ApprovalState = "failed"
	ApprovalRejected ApprovalState = "rejected"
	ApprovalExpired  ApprovalState = "expired"
	// ApprovalUnknown is an action whose runner died while it ran: whether
	// it took effect is unknown, and it is never re-run automatically.
	ApprovalUnknown ApprovalState = "unknown"
)

// Approval is a pending (or decided) request to run a declared action for an
// incident. Slack buttons carry only its ID.
type Approval struct {
	ID          string            `json:"id"`
	TriageID    string            `json:"triage_id"`
	IncidentID  string            `json:"incident_id"`
	Service     string            `json:"service"`
	Action      string            `json:"action"`
	Params      map[string]string `json:"params,omitempty"`
	Destructive bool              `json:"destructive"`
	State       ApprovalState     `json:"state"`
	CreatedAt   time.Time         `json:"created_at"`
	ExpiresAt   time.Time         `json:"expires_at"`
	DecidedBy   string            `json:"decided_by,omitempty"`
	DecidedAt   time.Time         `json:"decided_at,omitzero"`
	Result      string            `json:"result,omitempty"`
	// Runner identifies the run that took the approval to running (the
	// Slack job of the click).
	Runner string `json:"runner,omitempty"`
}

// AuditEntry records one action by anyone: who, what, where, result.
type AuditEntry struct {
	ID       string            `json:"id,omitempty"`
	Time     time.Time         `json:"time"`
	Actor    string            `json:"actor"`
	Action   string            `json:"action"`
	Service  string            `json:"service,omitempty"`
	Incident string            `json:"incident,omitempty"`
	Result   string            `json:"result"`
	Details  map[string]string `json:"details,omitempty"`
}

// Describe names the approval's action with its parameters: "rollback
// (sha=f8b3e22)".
func (a Approval) Describe() string {
	if len(a.Params) == 0 {
		return a.Action
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(a.Params)) {
		kv = append(kv, k+"="+a.Params[k])
	}
	return a.Action + " (" + strings.Join(kv, ", ") + ")"
}

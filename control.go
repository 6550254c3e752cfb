package noctuary

import (
	"strings"
	"time"
)

// The types of this file are shared by the front ends (Slack, the admin API,
// the dashboard) and the operations they call (packages admin and
// approvals), so that no front end imports another package of ours.

// User is the person behind a decision: the Slack user who clicked, or the
// dashboard's admin.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Offer is an action that may be run from a triage's message: its button
// carries only ApprovalID.
type Offer struct {
	ApprovalID  string `json:"approval_id"`
	Action      string `json:"action"`
	Destructive bool   `json:"destructive"`
	// Label is the button's text: "Approve <action>" or "Apply".
	Label string `json:"label"`
	// Suggestion is the index, in the triage's Ranked suggestions, of the
	// suggestion the action carries out (0: the recommendation).
	Suggestion int `json:"suggestion,omitempty"`
}

// ActionRequest is one run of a declared action, approved (or applied) by a
// person.
type ActionRequest struct {
	Action          ActionSpec
	Params          map[string]string
	Incident        Incident
	Service         string
	ApprovedBy      string // Slack user ID
	ApprovedByEmail string
	// AuditID identifies this run; it is sent as the Idempotency-Key.
	AuditID string
}

// ActionResult is the outcome of a run: the webhook's status and the start
// of its answer. Err is nil exactly when the webhook answered 2xx; it is an
// *Error whose message is safe to show (it never holds the action's secret
// or the webhook's query string).
type ActionResult struct {
	Status int
	Body   string
	Err    error
}

// NewService is what an admin gives to create a service that the
// configuration file does not declare.
type NewService struct {
	Key string `json:"key"`
	// Environment names the integration whose PagerDuty key writes its notes.
	Environment string `json:"environment"`
	// PagerDutyServiceIDs bind PagerDuty's services to it: their incidents
	// are its incidents. At least one is needed, or no incident ever arrives.
	PagerDutyServiceIDs []string `json:"pagerduty_service_ids"`
	// Channel is the Slack channel ID of its messages, "" for none yet.
	Channel string `json:"slack_channel,omitempty"`
}

// KeyStatus is the state of one environment's PagerDuty key.
type KeyStatus struct {
	Environment string
	Integration string
	// Age is the time since the key was rotated, or first seen by Noctuary.
	Age time.Duration
	// RotatedAt is the last rotation; zero when never rotated.
	RotatedAt time.Time
	// DueAt is when the next rotation is due.
	DueAt time.Time
	// Pending is true while a rotated key has not worked yet (the previous
	// key is kept until it has).
	Pending bool
	// OAuth is set when the integration calls PagerDuty with a scoped OAuth
	// app (then Age, RotatedAt and DueAt are its client secret's).
	OAuth bool
	// Credential is what the credential may do, as last checked; nil when
	// never checked.
	Credential *CredentialReport
	// Secrets are the ages of the integration's secrets: its API key or
	// OAuth client secret, and its webhook signing secret.
	Secrets []CredentialAge
}

// KeyRecord is what the store keeps of an integration's PagerDuty key.
type KeyRecord struct {
	// FirstSeen is when Noctuary first saw the integration's key.
	FirstSeen time.Time
	// RotatedAt is the time of the last rotation; zero when never rotated.
	RotatedAt time.Time
	// Current is the encrypted rotated key; nil means the configured one.
	Current []byte
	// Previous is the encrypted key before an unconfirmed rotation; nil
	// means the configured one.
	Previous []byte
	// Pending is true until Current has worked once.
	Pending bool
}

// ParseMode reads a mode as an admin types it: "read-only" (or "readonly")
// or "action", in any case. Every front end parses modes with it.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToLower(strings.TrimSpace(s)))
	if m == "readonly" {
		m = ModeReadOnly
	}
	if !m.Valid() {
		return "", Errorf(EInvalid, "%q is not a mode: use read-only or action", clip(s, 60))
	}
	return m, nil
}

// AuditQuery selects audit entries: each field that is set must match.
// Since and Until bound the time the entry was written (inclusive).
type AuditQuery struct {
	Service  string
	Incident string
	Actor    string
	Since    time.Time
	Until    time.Time
	// Limit is the most entries wanted; 0 means all.
	Limit int
}

// Match reports whether e is selected by q's service, incident and actor.
func (q AuditQuery) Match(e AuditEntry) bool {
	return (q.Service == "" || e.Service == q.Service) &&
		(q.Incident == "" || e.Incident == q.Incident) &&
		(q.Actor == "" || e.Actor == q.Actor)
}

// IncidentSummary is an incident as the admin API lists it: its live state
// and, once triaged, its triage.
type IncidentSummary struct {
	State  IncidentState
	Triage *Triage
}

// NewIntegration is what an admin gives to create a PagerDuty integration
// that the configuration file does not declare; its secrets are set next.
type NewIntegration struct {
	ID          string    `json:"id"`
	Environment string    `json:"environment"`
	Direction   Direction `json:"direction"`
	From        string    `json:"from,omitempty"`
	APIURL      string    `json:"api_url,omitempty"`
}

// IntegrationRecord is an integration created live, as the store keeps it:
// its webhook signing secrets sealed by package admin (the store never sees
// them in clear; the PagerDuty key is a KeyRecord).
type IntegrationRecord struct {
	Integration Integration `json:"integration"`
	// WebhookSecret is the sealed current signing secret; nil before one is set.
	WebhookSecret []byte `json:"webhook_secret,omitempty"`
	// PreviousWebhookSecret stays accepted until PreviousUntil.
	PreviousWebhookSecret []byte    `json:"previous_webhook_secret,omitempty"`
	PreviousUntil         time.Time `json:"previous_until,omitzero"`
	CreatedAt             time.Time `json:"created_at"`
}

// ConnectionCheck is what "check connection" found of an integration's
// PagerDuty key.
type ConnectionCheck struct {
	// ViewIncidents: PagerDuty listed incidents with the key.
	ViewIncidents bool `json:"view_incidents"`
	// CreateNotes: the integration writes (bidirectional), and its From
	// email is a PagerDuty user, as notes need. PagerDuty has no dry run,
	// so a read-only key shows only at the first note.
	CreateNotes bool `json:"create_notes"`
	// Problems says, in sentences, what is missing for each false above.
	Problems []string `json:"problems"`
}

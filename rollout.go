package noctuary

import "time"

// Kinds of RolloutRecord.
const (
	// RolloutPaged: an incident triggered for a service.
	RolloutPaged = "paged"
	// RolloutAcknowledged: an incident was acknowledged.
	RolloutAcknowledged = "acknowledged"
	// RolloutProposed: an action was offered on an incident.
	RolloutProposed = "proposed"
)

// RolloutRecord is one fact the rollout review counts that neither the
// audit log nor the incident state keeps long enough: a page, an
// acknowledgement (with the time it took), an action offered.
type RolloutRecord struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	// Service is the service's key, or the PagerDuty service ID of an
	// incident that no service claims.
	Service  string `json:"service"`
	Incident string `json:"incident,omitempty"`
	// Known is false for an incident of a PagerDuty service no service
	// claims; Enabled says whether the service was enabled at the time.
	Known   bool `json:"known,omitempty"`
	Enabled bool `json:"enabled,omitempty"`
	// TriggeredAt and AcknowledgedAt time an acknowledgement.
	TriggeredAt    time.Time `json:"triggered_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	// Action is the action offered (RolloutProposed).
	Action string `json:"action,omitempty"`
}

// WebhookSubscription is a PagerDuty V3 webhook subscription, as the
// rollout review checks it.
type WebhookSubscription struct {
	ID     string `json:"id"`
	Active bool   `json:"active"`
	// TemporarilyDisabled: PagerDuty stopped delivering after three drops
	// in a row (for 24 h, or until re-enabled).
	TemporarilyDisabled bool   `json:"temporarily_disabled"`
	URL                 string `json:"url"`
	// FilterType is service_reference, team_reference or
	// account_reference; FilterID names the service or team.
	FilterType string   `json:"filter_type"`
	FilterID   string   `json:"filter_id,omitempty"`
	Events     []string `json:"events,omitempty"`
}

// Categories of a Finding of the rollout review.
const (
	// FindingSettings: a live setting differs from the file.
	FindingSettings = "settings"
	// FindingService: a service is live and not in the file, or declared
	// and not live, or enabled with nothing that pages it.
	FindingService = "service"
	// FindingSubscription: no enabled PagerDuty webhook subscription
	// delivers an enabled service's incidents.
	FindingSubscription = "subscription"
	// FindingKey: a PagerDuty credential does not work, has more power
	// than needed, or a secret is due for rotation.
	FindingKey = "key"
	// FindingPaging: a service pages but is not enabled.
	FindingPaging = "paging_not_enabled"
	// FindingApprovers: a service in action mode has no approvers.
	FindingApprovers = "no_approvers"
	// FindingUnchecked: something could not be checked (PagerDuty did not
	// answer, or an integration has no key).
	FindingUnchecked = "unchecked"
)

// Finding is one drift the rollout review names: intended (the file)
// against live (Redis) against PagerDuty.
type Finding struct {
	Category string `json:"category"`
	// Subject is the service, integration or PagerDuty service concerned.
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Review is the rollout review: every drift, then what each part of the
// rollout did over the period.
type Review struct {
	GeneratedAt   time.Time           `json:"generated_at"`
	Since         time.Time           `json:"since"`
	Findings      []Finding           `json:"findings"`
	Settings      []Drift             `json:"settings_drift"`
	Subscriptions []SubscriptionCheck `json:"subscriptions"`
	Keys          []KeyCheck          `json:"keys"`
	Services      []ServiceReview     `json:"services"`
	// PagingNotEnabled are the services (or unclaimed PagerDuty
	// services) whose incidents paged while they were not enabled.
	PagingNotEnabled []PagingService `json:"paging_not_enabled"`
}

// SubscriptionCheck says whether PagerDuty delivers the incidents of one
// PagerDuty service of an enabled service to Noctuary.
type SubscriptionCheck struct {
	Service            string `json:"service"`
	PagerDutyServiceID string `json:"pagerduty_service_id"`
	Integration        string `json:"integration"`
	// Status is ok, missing, disabled, temporarily_disabled or unchecked.
	Status       string `json:"status"`
	Subscription string `json:"subscription,omitempty"`
}

// KeyCheck is an integration's PagerDuty key: whether it works now, and
// its age.
type KeyCheck struct {
	Environment string    `json:"environment"`
	Integration string    `json:"integration"`
	Works       bool      `json:"works"`
	Problem     string    `json:"problem,omitempty"`
	AgeDays     int       `json:"age_days"`
	DueAt       time.Time `json:"due_at,omitzero"`
	Overdue     bool      `json:"overdue"`
	// Credential is what the credential may do, as checked by the review.
	Credential *CredentialReport `json:"credential,omitempty"`
	// Secrets are the ages of the integration's secrets, when known.
	Secrets []CredentialAge `json:"secrets,omitempty"`
}

// ServiceReview is what one service did over the review's period.
type ServiceReview struct {
	Service     string `json:"service"`
	Environment string `json:"environment"`
	Enabled     bool   `json:"enabled"`
	Mode        Mode   `json:"mode"`
	// EnabledSince is the latest enable in the audit log; zero when none
	// is kept.
	EnabledSince time.Time         `json:"enabled_since,omitzero"`
	Paged        int               `json:"paged"`
	Triaged      int               `json:"triaged"`
	Precision    []WindowPrecision `json:"precision"`
	Proposed     int               `json:"actions_proposed"`
	Approved     int               `json:"actions_approved"`
	Executed     int               `json:"actions_executed"`
	Failed       int               `json:"actions_failed"`
	// AckBefore and AckAfter time the acknowledgements of incidents that
	// paged while the service was not enabled, and while it was.
	AckBefore AckTimes `json:"ack_before_enabling"`
	AckAfter  AckTimes `json:"ack_after_enabling"`
}

// AckTimes summarise the times from trigger to acknowledgement.
type AckTimes struct {
	Count         int     `json:"count"`
	MedianSeconds float64 `json:"median_seconds"`
}

// PagingService is a service (or an unclaimed PagerDuty service) that
// paged while not enabled.
type PagingService struct {
	Service string `json:"service"`
	// Known is false for a PagerDuty service that no service claims.
	Known     bool `json:"known"`
	Incidents int  `json:"incidents"`
}

package noctuary

import "time"

// PagerDuty webhook event types that Noctuary keeps; every other type
// (pagey.ping included) is answered 202 and not stored.
const (
	EventIncidentTriggered       = "incident.triggered"
	EventIncidentAcknowledged    = "incident.acknowledged"
	EventIncidentUnacknowledged  = "incident.unacknowledged"
	EventIncidentResolved        = "incident.resolved"
	EventIncidentReopened        = "incident.reopened"
	EventIncidentEscalated       = "incident.escalated"
	EventIncidentReassigned      = "incident.reassigned"
	EventIncidentAnnotated       = "incident.annotated"
	EventIncidentPriorityUpdated = "incident.priority_updated"
)

// KeptEventTypes is the set of webhook event types that are stored for triage.
var KeptEventTypes = map[string]bool{
	EventIncidentTriggered: true, EventIncidentAcknowledged: true, EventIncidentUnacknowledged: true,
	EventIncidentResolved: true, EventIncidentReopened: true, EventIncidentEscalated: true,
	EventIncidentReassigned: true, EventIncidentAnnotated: true, EventIncidentPriorityUpdated: true,
}

// Reference is a PagerDuty resource reference (user, service, escalation policy).
type Reference struct {
	ID      string `json:"id"`
	Type    string `json:"type,omitempty"`
	Summary string `json:"summary,omitempty"`
	HTMLURL string `json:"html_url,omitempty"`
}

// Incident is what Noctuary knows of a PagerDuty incident. Webhooks of types
// whose data is not an incident (incident.annotated) fill only ID and the
// fields their reference carries.
type Incident struct {
	ID          string `json:"id"`
	Number      int    `json:"number,omitempty"`
	Title       string `json:"title,omitempty"`
	Status      string `json:"status,omitempty"`
	HTMLURL     string `json:"html_url,omitempty"`
	IncidentKey string `json:"incident_key,omitempty"`
	Urgency     string `json:"urgency,omitempty"`
	// Priority is the incident's PagerDuty priority (its summary is the
	// name, such as "P1"); zero when it has none.
	Priority         Reference  `json:"priority,omitzero"`
	CreatedAt        time.Time  `json:"created_at,omitzero"`
	ReopenedAt       *time.Time `json:"reopened_at,omitempty"`
	Service          Reference  `json:"service,omitzero"`
	EscalationPolicy Reference  `json:"escalation_policy,omitzero"`
	// MergedInto is the incident this one was merged into: PagerDuty
	// resolves a merged incident with a merge as its resolve_reason, and its
	// alerts go on in the other.
	MergedInto Reference `json:"merged_into,omitzero"`
}

// WebhookEvent is a verified PagerDuty V3 webhook event, as queued on
// noctuary:webhooks for the triage worker.
type WebhookEvent struct {
	ID          string     `json:"id"`
	Type        string     `json:"event_type"`
	Integration string     `json:"integration"`
	OccurredAt  time.Time  `json:"occurred_at"`
	ReceivedAt  time.Time  `json:"received_at"`
	Agent       *Reference `json:"agent,omitempty"`
	Incident    Incident   `json:"incident"`
	// NoteContent is the note's text for incident.annotated.
	NoteContent string `json:"note_content,omitempty"`
}

// IncidentState is the live state of an incident, updated by every webhook of
// that incident and read by the Slack mirror and the postmortem.
type IncidentState struct {
	Incident Incident `json:"incident"`
	// Integration is the integration whose webhook delivered the latest
	// event. Writes use the integration of the service's environment
	// instead, whichever delivered the incident.
	Integration string `json:"integration"`
	ServiceKey  string `json:"service_key,omitempty"`
	// AcknowledgedBy, AcknowledgedAt and ResolvedAt are those of the
	// current episode: a reopen clears them. Course keeps every one.
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	// Course is the incident's acknowledgements, unacknowledgements,
	// resolutions and reopens in the order they were applied: the latest
	// MaxCourse.
	Course   []Transition `json:"course,omitempty"`
	TriageID string       `json:"triage_id,omitempty"`
	// TriageOnset is the onset of the triage TriageID names: the pointer
	// only moves to a triage of the same or a later onset (a reopen).
	TriageOnset time.Time `json:"triage_onset,omitzero"`
	// LastEventAt is the occurred_at of the latest webhook event applied:
	// an older event arriving late (PagerDuty retries) does not roll the
	// status back.
	LastEventAt time.Time `json:"last_event_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MaxCourse bounds IncidentState.Course.
const MaxCourse = 20

// Transition is one step of an incident's course that PagerDuty reported.
type Transition struct {
	// Type is the webhook event's type: EventIncidentAcknowledged,
	// EventIncidentUnacknowledged, EventIncidentResolved or
	// EventIncidentReopened.
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// By is the event's agent, when PagerDuty named one.
	By string `json:"by,omitempty"`
}

// WebhookDelivery is one queued webhook event as the triage worker receives it
// from the stream: its stream entry ID and how often it has been delivered.
type WebhookDelivery struct {
	StreamID string
	// Deliveries counts this delivery and the earlier ones that count
	// towards the delivery limit: not those deferred because the incident
	// was busy or the failure transient.
	Deliveries int64
	// Retries counts the earlier deliveries that failed transiently.
	Retries int64
	Event   WebhookEvent
}

// DeadWebhook is a webhook event that failed triage permanently, kept on
// noctuary:webhooks:dead for inspection and replay.
type DeadWebhook struct {
	// ID is the entry's ID in noctuary:webhooks:dead.
	ID string `json:"id"`
	// StreamID was its ID in noctuary:webhooks.
	StreamID   string `json:"stream_id"`
	Reason     string `json:"reason"`
	Deliveries int64  `json:"deliveries"`
	// Event is the webhook event; zero if the stored JSON does not decode.
	Event WebhookEvent `json:"event"`
}

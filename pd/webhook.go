package pd

import (
	"encoding/json"
	"time"

	"github.com/noctuary/noctuary"
)

// wireEnvelope is the V3 webhook body: exactly one event.
type wireEnvelope struct {
	Event *wireEvent `json:"event"`
}

// wireEvent is the V3 event. Agent and Data stay raw until the event type is
// known to be kept, so that events we drop never fail on their payload.
type wireEvent struct {
	ID         string          `json:"id"`
	EventType  string          `json:"event_type"`
	OccurredAt string          `json:"occurred_at"`
	Agent      json.RawMessage `json:"agent"`
	Data       json.RawMessage `json:"data"`
}

// wireRef is a PagerDuty resource reference.
type wireRef struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// wireData covers the two data shapes of kept events: "incident" (the whole
// incident; webhooks say number, not incident_number) and "incident_note"
// (an incident reference plus the note's content).
type wireData struct {
	Type             string   `json:"type"`
	ID               string   `json:"id"`
	HTMLURL          string   `json:"html_url"`
	Number           int      `json:"number"`
	Title            string   `json:"title"`
	Status           string   `json:"status"`
	IncidentKey      string   `json:"incident_key"`
	Urgency          string   `json:"urgency"`
	CreatedAt        string   `json:"created_at"`
	ReopenedAt       string   `json:"reopened_at"`
	Service          *wireRef `json:"service"`
	EscalationPolicy *wireRef `json:"escalation_policy"`
	Priority         *wireRef `json:"priority"`
	Incident         *wireRef `json:"incident"`
	Content          string   `json:"content"`
	// ResolveReason stays raw: read by mergedInto, never a reason to refuse.
	ResolveReason json.RawMessage `json:"resolve_reason"`
}

// ParseWebhook decodes a PagerDuty V3 webhook body received for integration
// at received. keep is true only for the event types in
// noctuary.KeptEventTypes; any other type (pagey.ping, service.*, incident
// types we do not use) gives keep=false and no error, so ingest answers 202.
// A body that is not a V3 event, or a kept event without a usable incident
// ID, gives an *noctuary.Error with code EInvalid.
func ParseWebhook(body []byte, integration string, received time.Time) (ev noctuary.WebhookEvent, keep bool, err error) {
	var env wireEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, false, noctuary.Wrap(err, noctuary.EInvalid, "The webhook body is not a valid PagerDuty V3 JSON payload.")
	}
	w := env.Event
	if w == nil {
		return ev, false, noctuary.Errorf(noctuary.EInvalid, "The webhook body has no \"event\" object.")
	}
	if w.ID == "" || len(w.ID) > noctuary.MaxEventIDLen {
		return ev, false, noctuary.Errorf(noctuary.EInvalid, "The webhook event needs an id of 1-%d bytes.", noctuary.MaxEventIDLen)
	}
	if w.EventType == "" {
		return ev, false, noctuary.Errorf(noctuary.EInvalid, "The webhook event %q has no event_type.", w.ID)
	}
	ev = noctuary.WebhookEvent{ID: w.ID, Type: w.EventType, Integration: integration, ReceivedAt: received.UTC()}
	if !noctuary.KeptEventTypes[w.EventType] {
		return ev, false, nil
	}
	if err := fillEvent(&ev, w); err != nil {
		return noctuary.WebhookEvent{}, false, err
	}
	return ev, true, nil
}

// fillEvent completes ev from a kept event's time, agent and data.
func fillEvent(ev *noctuary.WebhookEvent, w *wireEvent) error {
	occurred, err := parseTime("occurred_at", w.OccurredAt)
	if err != nil {
		return err
	}
	ev.OccurredAt = occurred
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = ev.ReceivedAt
	}
	if ev.Agent, err = decodeAgent(w.Agent); err != nil {
		return err
	}
	var data wireData
	if len(w.Data) > 0 {
		if err := json.Unmarshal(w.Data, &data); err != nil {
			return noctuary.Wrap(err, noctuary.EInvalid, "The webhook event's data does not match PagerDuty's schema.")
		}
	}
	if err := fillIncident(ev, &data); err != nil {
		return err
	}
	if !validID(ev.Incident.ID) {
		return noctuary.Errorf(noctuary.EInvalid, "The %s webhook event %q carries no valid incident id: PagerDuty sends it as data.id with data.type \"incident\", or as data.incident.id.", ev.Type, ev.ID)
	}
	return nil
}

// decodeAgent turns the event's agent reference (or null) into a Reference.
func decodeAgent(raw json.RawMessage) (*noctuary.Reference, error) {
	var ref *wireRef
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &ref); err != nil {
			return nil, noctuary.Wrap(err, noctuary.EInvalid, "The webhook event's agent is not a PagerDuty reference.")
		}
	}
	if ref == nil || ref.ID == "" {
		return nil, nil
	}
	r := reference(ref)
	return &r, nil
}

// fillIncident sets ev.Incident (and NoteContent for notes) from data.
func fillIncident(ev *noctuary.WebhookEvent, d *wireData) error {
	if d.Type != "incident" {
		if d.Incident != nil {
			ev.Incident = noctuary.Incident{ID: d.Incident.ID, HTMLURL: d.Incident.HTMLURL, Title: d.Incident.Summary}
		}
		if d.Type == "incident_note" {
			ev.NoteContent = d.Content
		}
		return nil
	}
	created, err := parseTime("data.created_at", d.CreatedAt)
	if err != nil {
		return err
	}
	reopened, err := parseTime("data.reopened_at", d.ReopenedAt)
	if err != nil {
		return err
	}
	ev.Incident = noctuary.Incident{
		ID: d.ID, Number: d.Number, Title: d.Title, Status: d.Status, HTMLURL: d.HTMLURL,
		IncidentKey: d.IncidentKey, Urgency: d.Urgency, CreatedAt: created,
		Service: reference(d.Service), EscalationPolicy: reference(d.EscalationPolicy), Priority: reference(d.Priority),
	}
	if !reopened.IsZero() {
		ev.Incident.ReopenedAt = &reopened
	}
	ev.Incident.MergedInto = mergedInto(d.ResolveReason)
	return nil
}

// mergedInto is the incident a merge resolved this one into, from
// data.resolve_reason ({"type": "merge_resolve_reason", "incident": {…}});
// the zero Reference for any other resolution or a shape PagerDuty does
// not document: a resolution is never refused for its reason.
func mergedInto(raw json.RawMessage) noctuary.Reference {
	var r struct {
		Type     string   `json:"type"`
		Incident *wireRef `json:"incident"`
	}
	if json.Unmarshal(raw, &r) != nil || r.Type != "merge_resolve_reason" || r.Incident == nil || !validID(r.Incident.ID) {
		return noctuary.Reference{}
	}
	return reference(r.Incident)
}

// reference converts a wire reference; nil gives the zero Reference.
func reference(r *wireRef) noctuary.Reference {
	if r == nil {
		return noctuary.Reference{}
	}
	return noctuary.Reference{ID: r.ID, Type: r.Type, Summary: r.Summary, HTMLURL: r.HTMLURL}
}

// parseTime parses an ISO 8601 (RFC 3339) time in UTC; "" gives the zero time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, noctuary.Wrap(err, noctuary.EInvalid, "The webhook's "+field+" is not an ISO 8601 time.")
	}
	return t.UTC(), nil
}

// validID reports whether id looks like a PagerDuty object ID: 1 to 64 ASCII
// letters, digits, '-' or '_'. IDs go into REST paths and Redis keys, so
// nothing else is accepted.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

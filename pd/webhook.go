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

// wireEvent is the V3 event. Everything but the id and type stays raw
// until the event type is known to be kept, so that events we drop never
// fail on their payload.
type wireEvent struct {
	ID         string          `json:"id"`
	EventType  string          `json:"event_type"`
	OccurredAt json.RawMessage `json:"occurred_at"`
	Agent      json.RawMessage `json:"agent"`
	Data       json.RawMessage `json:"data"`
}

// wireData covers the two data shapes of kept events: "incident" (the whole
// incident; webhooks say number, not incident_number) and "incident_note"
// (an incident reference plus the note's content). Each field stays raw and
// is decoded by a fields: strictly when triage needs it, else leniently.
type wireData struct {
	Type             json.RawMessage `json:"type"`
	ID               json.RawMessage `json:"id"`
	Status           json.RawMessage `json:"status"`
	CreatedAt        json.RawMessage `json:"created_at"`
	Service          json.RawMessage `json:"service"`
	Incident         json.RawMessage `json:"incident"`
	HTMLURL          json.RawMessage `json:"html_url"`
	Number           json.RawMessage `json:"number"`
	Title            json.RawMessage `json:"title"`
	IncidentKey      json.RawMessage `json:"incident_key"`
	Urgency          json.RawMessage `json:"urgency"`
	ReopenedAt       json.RawMessage `json:"reopened_at"`
	EscalationPolicy json.RawMessage `json:"escalation_policy"`
	Priority         json.RawMessage `json:"priority"`
	Content          json.RawMessage `json:"content"`
	ResolveReason    json.RawMessage `json:"resolve_reason"`
}

// ParseWebhook decodes a PagerDuty V3 webhook body received for integration
// at received. keep is true only for the event types in
// noctuary.KeptEventTypes; any other type (pagey.ping, service.*, incident
// types we do not use) gives keep=false and no error, so ingest answers 202.
//
// A body that is not a V3 event, or a kept event whose id, type, incident
// id, occurred_at, data.type, data.status, data.created_at or data.service
// is missing where required or not of PagerDuty's shape, gives an
// *noctuary.Error with code EInvalid. Any other field of a kept event of
// another shape (priority as a string, escalation_policy as an array) is
// treated as absent and named in odd, so that one odd field never costs
// the delivery (PagerDuty drops a 4xx and disables the subscription after
// three).
func ParseWebhook(body []byte, integration string, received time.Time) (ev noctuary.WebhookEvent, keep bool, odd []string, err error) {
	var env wireEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return ev, false, nil, noctuary.Wrap(err, noctuary.EInvalid, "The webhook body is not a valid PagerDuty V3 JSON payload.")
	}
	w := env.Event
	if w == nil {
		return ev, false, nil, noctuary.Errorf(noctuary.EInvalid, "The webhook body has no \"event\" object.")
	}
	if w.ID == "" || len(w.ID) > noctuary.MaxEventIDLen {
		return ev, false, nil, noctuary.Errorf(noctuary.EInvalid, "The webhook event needs an id of 1-%d bytes.", noctuary.MaxEventIDLen)
	}
	if w.EventType == "" {
		return ev, false, nil, noctuary.Errorf(noctuary.EInvalid, "The webhook event %q has no event_type.", w.ID)
	}
	ev = noctuary.WebhookEvent{ID: w.ID, Type: w.EventType, Integration: integration, ReceivedAt: received.UTC()}
	if !noctuary.KeptEventTypes[w.EventType] {
		return ev, false, nil, nil
	}
	var f fields
	fillEvent(&f, &ev, w)
	if f.err != nil {
		return noctuary.WebhookEvent{}, false, nil, f.err
	}
	return ev, true, f.odd, nil
}

// fillEvent completes ev from a kept event's time, agent and data.
func fillEvent(f *fields, ev *noctuary.WebhookEvent, w *wireEvent) {
	ev.OccurredAt = f.needTime("occurred_at", w.OccurredAt)
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = ev.ReceivedAt
	}
	if agent := f.ref("agent", w.Agent, false); agent.ID != "" {
		ev.Agent = &agent
	}
	var data wireData
	if len(w.Data) > 0 && json.Unmarshal(w.Data, &data) != nil {
		f.fail("The webhook event's data is not an object as PagerDuty sends it.")
		return
	}
	fillIncident(f, ev, &data)
	if f.err == nil && !validID(ev.Incident.ID) {
		f.fail("The " + ev.Type + " webhook event \"" + ev.ID + "\" carries no valid incident id: PagerDuty sends it as data.id with data.type \"incident\", or as data.incident.id.")
	}
}

// fillIncident sets ev.Incident (and NoteContent for notes) from data.
func fillIncident(f *fields, ev *noctuary.WebhookEvent, d *wireData) {
	if f.needString("data.type", d.Type) != "incident" {
		if ref := f.ref("data.incident", d.Incident, true); ref.ID != "" {
			ev.Incident = noctuary.Incident{ID: ref.ID, HTMLURL: ref.HTMLURL, Title: ref.Summary}
		}
		ev.NoteContent = may[string](f, "data.content", d.Content)
		return
	}
	ev.Incident = noctuary.Incident{
		ID: f.needString("data.id", d.ID), Status: f.needString("data.status", d.Status),
		CreatedAt: f.needTime("data.created_at", d.CreatedAt), Service: f.ref("data.service", d.Service, true),
		Number: may[int](f, "data.number", d.Number), Title: may[string](f, "data.title", d.Title),
		HTMLURL: may[string](f, "data.html_url", d.HTMLURL), IncidentKey: may[string](f, "data.incident_key", d.IncidentKey),
		Urgency:          may[string](f, "data.urgency", d.Urgency),
		EscalationPolicy: f.ref("data.escalation_policy", d.EscalationPolicy, false),
		Priority:         f.ref("data.priority", d.Priority, false),
		MergedInto:       mergedInto(f, d.ResolveReason),
	}
	if reopened := f.mayTime("data.reopened_at", d.ReopenedAt); !reopened.IsZero() {
		ev.Incident.ReopenedAt = &reopened
	}
}

// mergedInto is the incident a merge resolved this one into, from
// data.resolve_reason ({"type": "merge_resolve_reason", "incident": {…}});
// the zero Reference for any other resolution or a shape PagerDuty does
// not document: a resolution is never refused for its reason.
func mergedInto(f *fields, raw json.RawMessage) noctuary.Reference {
	r := may[struct {
		Type     json.RawMessage `json:"type"`
		Incident json.RawMessage `json:"incident"`
	}](f, "data.resolve_reason", raw)
	if may[string](f, "data.resolve_reason.type", r.Type) != "merge_resolve_reason" {
		return noctuary.Reference{}
	}
	in := f.ref("data.resolve_reason.incident", r.Incident, false)
	if !validID(in.ID) {
		return noctuary.Reference{}
	}
	return in
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

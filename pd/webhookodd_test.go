package pd

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// oddBody is a triggered incident whose data field name is replaced by
// value (name absent from the body when value is "").
func oddBody(name, value string) string {
	data := map[string]string{
		"id": `"Q1ABCDEF"`, "type": `"incident"`, "status": `"triggered"`, "created_at": `"2026-03-01T10:15:00Z"`,
		"number": `4242`, "title": `"Primary DB unreachable"`, "html_url": `"https://acme.pagerduty.com/incidents/Q1ABCDEF"`,
		"incident_key": `"db-primary-down"`, "urgency": `"high"`, "reopened_at": `null`,
		"service":           `{"id":"PSVC123","summary":"Orders API","type":"service_reference"}`,
		"escalation_policy": `{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"}`,
		"priority":          `{"id":"PPRIO1","type":"priority","summary":"P1"}`,
		"resolve_reason":    `null`,
	}
	data[name] = value
	var parts []string
	for k, v := range data {
		if v != "" {
			parts = append(parts, `"`+k+`":`+v)
		}
	}
	slices.Sort(parts)
	return `{"event":{"id":"01ODD","event_type":"incident.triggered","occurred_at":"2026-03-01T10:15:00Z",
 "agent":{"id":"PUSER1","type":"user_reference","summary":"Alice"},"data":{` + strings.Join(parts, ",") + `}}}`
}

// severalOdd has three odd fields: agent, escalation_policy and priority.
var severalOdd = strings.Replace(strings.Replace(oddBody("priority", `"P1"`), `"escalation_policy":{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"}`,
	`"escalation_policy":[{"id":"PEP1"}]`, 1), `"agent":{"id":"PUSER1","type":"user_reference","summary":"Alice"}`, `"agent":"Alice"`, 1)

// TestParseWebhookOddShapes: a non-essential field of a shape PagerDuty
// does not send is read as absent and named once in odd; the delivery is
// accepted and the rest of the incident is read as usual.
func TestParseWebhookOddShapes(t *testing.T) {
	tests := []struct {
		name, body string
		odd        []string
		check      func(noctuary.WebhookEvent) bool
	}{
		{"priority a string", oddBody("priority", `"P1"`), []string{"data.priority"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Priority == noctuary.Reference{} }},
		{"priority a number", oddBody("priority", `1`), []string{"data.priority"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Priority == noctuary.Reference{} }},
		{"priority id a number", oddBody("priority", `{"id":1,"summary":"P1"}`), []string{"data.priority"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Priority == noctuary.Reference{} }},
		{"priority summary an object", oddBody("priority", `{"id":"PPRIO1","summary":{"name":"P1"}}`), []string{"data.priority.summary"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Priority == noctuary.Reference{ID: "PPRIO1"} }},
		{"escalation_policy an array", oddBody("escalation_policy", `[{"id":"PEP1"}]`), []string{"data.escalation_policy"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.EscalationPolicy == noctuary.Reference{} }},
		{"escalation_policy true", oddBody("escalation_policy", `true`), []string{"data.escalation_policy"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.EscalationPolicy == noctuary.Reference{} }},
		{"number a string", oddBody("number", `"4242"`), []string{"data.number"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Number == 0 }},
		{"number a fraction", oddBody("number", `42.5`), []string{"data.number"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Number == 0 }},
		{"title an object", oddBody("title", `{"text":"t"}`), []string{"data.title"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Title == "" }},
		{"html_url an array", oddBody("html_url", `["https://x"]`), []string{"data.html_url"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.HTMLURL == "" }},
		{"incident_key a number", oddBody("incident_key", `7`), []string{"data.incident_key"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.IncidentKey == "" }},
		{"urgency an object", oddBody("urgency", `{"level":"high"}`), []string{"data.urgency"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Urgency == "" }},
		{"reopened_at a number", oddBody("reopened_at", `1700000000`), []string{"data.reopened_at"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.ReopenedAt == nil }},
		{"reopened_at not a time", oddBody("reopened_at", `"yesterday"`), []string{"data.reopened_at"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.ReopenedAt == nil }},
		{"resolve_reason a string", oddBody("resolve_reason", `"merged"`), []string{"data.resolve_reason"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.MergedInto == noctuary.Reference{} }},
		{"resolve_reason type a number", oddBody("resolve_reason", `{"type":3}`), []string{"data.resolve_reason.type"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.MergedInto == noctuary.Reference{} }},
		{"service summary a number", oddBody("service", `{"id":"PSVC123","summary":5}`), []string{"data.service.summary"},
			func(ev noctuary.WebhookEvent) bool { return ev.Incident.Service == noctuary.Reference{ID: "PSVC123"} }},
		{"several at once", severalOdd, []string{"agent", "data.escalation_policy", "data.priority"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, keep, odd, err := ParseWebhook([]byte(tt.body), "prod", time.Date(2026, 3, 1, 10, 15, 1, 0, time.UTC))
			if err != nil || !keep {
				t.Fatalf("keep %v, err %v", keep, err)
			}
			slices.Sort(odd)
			if !slices.Equal(odd, tt.odd) {
				t.Errorf("odd = %q, want %q", odd, tt.odd)
			}
			if tt.check != nil && !tt.check(ev) {
				t.Errorf("the odd field was not read as absent: %+v", ev.Incident)
			}
			// What triage needs is read whatever the odd field.
			in := ev.Incident
			if ev.ID != "01ODD" || in.ID != "Q1ABCDEF" || in.Status != "triggered" || in.Service.ID != "PSVC123" ||
				!in.CreatedAt.Equal(time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC)) {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}

// TestParseWebhookUsualShapesAreNotOdd: PagerDuty's own example and the
// notes are read with no odd field.
func TestParseWebhookUsualShapesAreNotOdd(t *testing.T) {
	for _, body := range []string{triggeredBody, annotatedBody, reopenedBody, oddBody("priority", `null`), oddBody("number", "")} {
		if _, _, odd, err := ParseWebhook([]byte(body), "prod", time.Unix(0, 0)); err != nil || len(odd) > 0 {
			t.Errorf("odd %q, err %v for %s", odd, err, body)
		}
	}
}

// TestParseWebhookEssentialShapes: a field triage needs, of another shape,
// is still a 400 that names it.
func TestParseWebhookEssentialShapes(t *testing.T) {
	note := `{"event":{"id":"01N","event_type":"incident.annotated","data":{"type":"incident_note","content":"c","incident":`
	tests := []struct{ name, body, says string }{
		{"status a number", oddBody("status", `1`), "data.status"},
		{"status an object", oddBody("status", `{"name":"triggered"}`), "data.status"},
		{"created_at a number", oddBody("created_at", `1700000000`), "data.created_at"},
		{"created_at not a time", oddBody("created_at", `"today"`), "data.created_at"},
		{"incident id a number", oddBody("id", `42`), "data.id"},
		{"data type a number", oddBody("type", `1`), "data.type"},
		{"service a string", oddBody("service", `"PSVC123"`), "data.service"},
		{"service id a number", oddBody("service", `{"id":123}`), "data.service"},
		{"service an array", oddBody("service", `[{"id":"PSVC123"}]`), "data.service"},
		{"occurred_at a number", strings.Replace(oddBody("", ""), `"occurred_at":"2026-03-01T10:15:00Z"`, `"occurred_at":5`, 1), "occurred_at"},
		{"data a string", `{"event":{"id":"01X","event_type":"incident.triggered","data":"Q1"}}`, "data"},
		{"note's incident a string", note + `"Q1"}}}`, "data.incident"},
		{"note's incident id a number", note + `{"id":1}}}}`, "data.incident"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, keep, odd, err := ParseWebhook([]byte(tt.body), "prod", time.Unix(0, 0))
			wantCode(t, err, noctuary.EInvalid)
			msg := noctuary.ErrorMessage(err)
			if keep || odd != nil || !strings.Contains(msg, tt.says+" ") || !strings.HasSuffix(msg, ".") {
				t.Errorf("keep %v, odd %q, message %q: want one naming %s", keep, odd, msg, tt.says)
			}
		})
	}
}

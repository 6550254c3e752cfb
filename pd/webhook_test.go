package pd

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

const triggeredBody = `{"event":{"id":"01DEMO7Q0T0J7GZ3C3V9A1B2C3","event_type":"incident.triggered","resource_type":"incident",
 "occurred_at":"2026-03-01T10:15:00.123Z","agent":null,"client":null,
 "data":{"id":"Q1ABCDEF","type":"incident","self":"https://api.pagerduty.com/incidents/Q1ABCDEF",
  "html_url":"https://acme.pagerduty.com/incidents/Q1ABCDEF","number":4242,"status":"triggered",
  "incident_key":"db-primary-down","created_at":"2026-03-01T10:15:00Z","title":"Primary DB unreachable",
  "service":{"id":"PSVC123","summary":"Orders API","type":"service_reference",
   "self":"https://api.pagerduty.com/services/PSVC123","html_url":"https://acme.pagerduty.com/services/PSVC123"},
  "assignees":[],"escalation_policy":{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"},
  "teams":[],"priority":null,"urgency":"high","conference_bridge":null,"resolve_reason":null}}}`

const annotatedBody = `{"event":{"id":"01NOTE","event_type":"incident.annotated","resource_type":"incident",
 "occurred_at":"2026-03-01T10:20:00Z",
 "agent":{"id":"PUSER1","type":"user_reference","summary":"Alice","html_url":"https://acme.pagerduty.com/users/PUSER1"},
 "client":{"name":"PagerDuty"},
 "data":{"incident":{"id":"Q1ABCDEF","type":"incident_reference","summary":"Primary DB unreachable",
  "html_url":"https://acme.pagerduty.com/incidents/Q1ABCDEF"},"id":"PNOTE9","content":"Rolled back.","trimmed":false,
  "type":"incident_note"}}}`

const reopenedBody = `{"event":{"id":"01REOPEN","event_type":"incident.reopened","data":{"id":"Q1ABCDEF","type":"incident",
 "number":7,"created_at":"2026-03-01T10:15:00+01:00","reopened_at":"2026-03-01T12:00:00Z"}}}`

func TestParseWebhook(t *testing.T) {
	received := time.Date(2026, 3, 1, 10, 15, 1, 0, time.FixedZone("CET", 3600))
	reopened := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want noctuary.WebhookEvent
		keep bool
		code string
	}{
		{"triggered", triggeredBody, noctuary.WebhookEvent{ID: "01DEMO7Q0T0J7GZ3C3V9A1B2C3", Type: "incident.triggered",
			Integration: "prod", OccurredAt: time.Date(2026, 3, 1, 10, 15, 0, 123e6, time.UTC), ReceivedAt: received.UTC(),
			Incident: noctuary.Incident{ID: "Q1ABCDEF", Number: 4242, Title: "Primary DB unreachable", Status: "triggered",
				HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABCDEF", IncidentKey: "db-primary-down", Urgency: "high",
				CreatedAt: time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC),
				Service: noctuary.Reference{ID: "PSVC123", Type: "service_reference", Summary: "Orders API",
					HTMLURL: "https://acme.pagerduty.com/services/PSVC123"},
				EscalationPolicy: noctuary.Reference{ID: "PEP1", Type: "escalation_policy_reference", Summary: "Default"}}}, true, ""},
		{"annotated", annotatedBody, noctuary.WebhookEvent{ID: "01NOTE", Type: "incident.annotated", Integration: "prod",
			OccurredAt: time.Date(2026, 3, 1, 10, 20, 0, 0, time.UTC), ReceivedAt: received.UTC(),
			Agent: &noctuary.Reference{ID: "PUSER1", Type: "user_reference", Summary: "Alice", HTMLURL: "https://acme.pagerduty.com/users/PUSER1"},
			Incident: noctuary.Incident{ID: "Q1ABCDEF", Title: "Primary DB unreachable",
				HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"}, NoteContent: "Rolled back."}, true, ""},
		{"reopened, no occurred_at", reopenedBody, noctuary.WebhookEvent{ID: "01REOPEN", Type: "incident.reopened",
			Integration: "prod", OccurredAt: received.UTC(), ReceivedAt: received.UTC(),
			Incident: noctuary.Incident{ID: "Q1ABCDEF", Number: 7, CreatedAt: time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC),
				ReopenedAt: &reopened}}, true, ""},
		{"ping is dropped", `{"event":{"id":"01PING","event_type":"pagey.ping","resource_type":"pagey","occurred_at":"2026-03-01T10:15:00Z","agent":null,"client":null,"data":{"message":"Hello from your friend Pagey!","type":"ping"}}}`,
			noctuary.WebhookEvent{ID: "01PING", Type: "pagey.ping", Integration: "prod", ReceivedAt: received.UTC()}, false, ""},
		{"service event is dropped", `{"event":{"id":"01SVC","event_type":"service.updated","agent":"odd","data":{"id":"PSVC1","type":"service"}}}`,
			noctuary.WebhookEvent{ID: "01SVC", Type: "service.updated", Integration: "prod", ReceivedAt: received.UTC()}, false, ""},
		{"unused incident type is dropped", `{"event":{"id":"01D","event_type":"incident.delegated","data":{"id":"Q1","type":"incident"}}}`,
			noctuary.WebhookEvent{ID: "01D", Type: "incident.delegated", Integration: "prod", ReceivedAt: received.UTC()}, false, ""},
		{"not JSON", `{"event":`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"JSON array", `[]`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"no event", `{"messages":[]}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"event null", `{"event":null}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"no id", `{"event":{"event_type":"incident.triggered"}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"id too long", `{"event":{"id":"` + strings.Repeat("x", 201) + `","event_type":"pagey.ping"}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"no event_type", `{"event":{"id":"01X"}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"id not a string", `{"event":{"id":42,"event_type":"incident.triggered"}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"kept without data", `{"event":{"id":"01X","event_type":"incident.triggered"}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"kept without incident id", `{"event":{"id":"01X","event_type":"incident.resolved","data":{"type":"incident","title":"t"}}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"note without incident", `{"event":{"id":"01X","event_type":"incident.annotated","data":{"type":"incident_note","content":"c"}}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"incident id with a path", `{"event":{"id":"01X","event_type":"incident.triggered","data":{"id":"../users","type":"incident"}}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"bad occurred_at", `{"event":{"id":"01X","event_type":"incident.triggered","occurred_at":"yesterday","data":{"id":"Q1","type":"incident"}}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
		{"bad created_at", `{"event":{"id":"01X","event_type":"incident.triggered","data":{"id":"Q1","type":"incident","created_at":"2026-13-01"}}}`, noctuary.WebhookEvent{}, false, noctuary.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, keep, _, err := ParseWebhook([]byte(tt.body), "prod", received)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if keep || !strings.HasSuffix(noctuary.ErrorMessage(err), ".") {
					t.Errorf("keep = %v, message %q", keep, noctuary.ErrorMessage(err))
				}
				return
			}
			if err != nil || keep != tt.keep {
				t.Fatalf("ParseWebhook = keep %v, err %v; want keep %v", keep, err, tt.keep)
			}
			got, _ := json.Marshal(ev)
			want, _ := json.Marshal(tt.want)
			if string(got) != string(want) {
				t.Errorf("event =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestParseWebhookSaysWhereTheIncidentGoes: an incident event without a
// usable incident says where PagerDuty puts one, since an id alone (without
// data.type "incident") is not read.
func TestParseWebhookSaysWhereTheIncidentGoes(t *testing.T) {
	for _, body := range []string{
		`{"event":{"id":"01X","event_type":"incident.triggered","data":{"id":"Q1"}}}`,
		`{"event":{"id":"01X","event_type":"incident.triggered"}}`,
	} {
		_, _, _, err := ParseWebhook([]byte(body), "prod", time.Unix(0, 0))
		want := `The incident.triggered webhook event "01X" carries no valid incident id: PagerDuty sends it as data.id with data.type "incident", or as data.incident.id.`
		if msg := noctuary.ErrorMessage(err); msg != want {
			t.Errorf("%s: error %q, want %q", body, msg, want)
		}
	}
}

// FuzzParseWebhook checks that no body panics, that every kept event can
// be queued and triaged (it has an event ID, a kept type and a valid
// incident ID) and that odd fields are named once, only for a kept event.
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(triggeredBody))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, keep, odd, err := ParseWebhook(body, "prod", time.Unix(0, 0))
		if err != nil {
			if keep || odd != nil || noctuary.ErrorCode(err) != noctuary.EInvalid {
				t.Fatalf("keep %v with error %v (code %q)", keep, err, noctuary.ErrorCode(err))
			}
			return
		}
		if ev.ID == "" || ev.Type == "" || ev.Integration != "prod" {
			t.Fatalf("accepted event without id or type: %+v", ev)
		}
		if keep && (!noctuary.KeptEventTypes[ev.Type] || !validID(ev.Incident.ID) || ev.OccurredAt.IsZero()) {
			t.Fatalf("kept event is incomplete: %+v", ev)
		}
		if !keep && noctuary.KeptEventTypes[ev.Type] {
			t.Fatalf("kept type %q dropped without an error", ev.Type)
		}
		seen := map[string]bool{}
		for _, name := range odd {
			if !keep || name == "" || seen[name] {
				t.Fatalf("odd fields %q (keep %v): each named once, only for a kept event", odd, keep)
			}
			seen[name] = true
		}
	})
}

package pd

import (
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestParseWebhookMerge: an incident.resolved whose resolve_reason is a
// merge names the incident it was merged into; a resolution of any other
// shape (null, absent, an unknown type, a shape PagerDuty never sent) is a
// plain resolution and never a reason to refuse the webhook.
func TestParseWebhookMerge(t *testing.T) {
	resolved := func(reason string) string {
		return `{"event":{"id":"01RES","event_type":"incident.resolved","occurred_at":"2026-03-01T11:00:00Z",
 "data":{"id":"Q1ABCDEF","type":"incident","status":"resolved","created_at":"2026-03-01T10:15:00Z"` + reason + `}}}`
	}
	target := noctuary.Reference{ID: "Q2TARGET", Type: "incident_reference", Summary: "[#4243] Checkout down",
		HTMLURL: "https://acme.pagerduty.com/incidents/Q2TARGET"}
	tests := []struct {
		name, reason string
		want         noctuary.Reference
	}{
		{"merge", `,"resolve_reason":{"type":"merge_resolve_reason","incident":{"id":"Q2TARGET","type":"incident_reference",
 "summary":"[#4243] Checkout down","self":"https://api.pagerduty.com/incidents/Q2TARGET","html_url":"https://acme.pagerduty.com/incidents/Q2TARGET"}}`, target},
		{"null", `,"resolve_reason":null`, noctuary.Reference{}},
		{"absent", ``, noctuary.Reference{}},
		{"another type", `,"resolve_reason":{"type":"auto_resolve_reason","incident":{"id":"Q2TARGET"}}`, noctuary.Reference{}},
		{"merge without incident", `,"resolve_reason":{"type":"merge_resolve_reason","incident":null}`, noctuary.Reference{}},
		{"merge into an invalid id", `,"resolve_reason":{"type":"merge_resolve_reason","incident":{"id":"Q2 <x>"}}`, noctuary.Reference{}},
		{"a string", `,"resolve_reason":"merged"`, noctuary.Reference{}},
		{"an array", `,"resolve_reason":[1]`, noctuary.Reference{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, keep, _, err := ParseWebhook([]byte(resolved(tt.reason)), "prod", time.Date(2026, 3, 1, 11, 0, 1, 0, time.UTC))
			if err != nil || !keep {
				t.Fatalf("keep %v, err %v", keep, err)
			}
			if ev.Incident.MergedInto != tt.want {
				t.Errorf("MergedInto = %+v, want %+v", ev.Incident.MergedInto, tt.want)
			}
			if ev.Incident.ID != "Q1ABCDEF" || !strings.Contains(ev.Type, "resolved") {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}

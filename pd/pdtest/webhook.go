package pdtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Sign returns the X-PagerDuty-Signature value PagerDuty sends with body:
// "v1=" and the hex HMAC-SHA256 of the raw body under the webhook secret.
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// IncidentWebhook returns the body of a V3 incident webhook as PagerDuty
// sends it: event eventID of eventType (e.g. incident.triggered) about
// incidentID of the PagerDuty service pdService, created at created.
func IncidentWebhook(eventID, eventType, incidentID, pdService string, created time.Time) []byte {
	body, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": eventID, "event_type": eventType, "resource_type": "incident",
		"occurred_at": created.Format(time.RFC3339), "agent": nil, "client": nil,
		"data": map[string]any{
			"id": incidentID, "type": "incident", "number": 4242, "status": "triggered",
			"title": "checkout: 5xx error rate above 5%", "created_at": created.Format(time.RFC3339),
			"html_url": "https://example.pagerduty.com/incidents/" + incidentID, "urgency": "high",
			"service":           map[string]any{"id": pdService, "type": "service_reference", "summary": pdService},
			"escalation_policy": map[string]any{"id": "PEP1", "type": "escalation_policy_reference"},
		},
	}})
	return body
}

package store

import "time"

// Keys and key prefixes (schema v1; see doc.go).
const (
	keyWebhooks       = "noctuary:webhooks"
	keyWebhooksDead   = "noctuary:webhooks:dead"
	keyAudit          = "noctuary:audit"
	keyServices       = "noctuary:services"
	prefixSeen        = "{noctuary:webhooks}:seen:"
	prefixPDService   = "noctuary:pdservice:"
	prefixIntegration = "noctuary:v1:integration:"
	prefixIncident    = "noctuary:v1:incident:"
	prefixTriage      = "noctuary:v1:triage:"
	prefixTriageLock  = "noctuary:v1:lock:triage:"
	// prefixWebhookRetry keys a pending webhook entry's retry record.
	prefixWebhookRetry = "noctuary:v1:webhook:retry:"
	prefixRateLimit    = "noctuary:v1:ratelimit:"
	// prefixPosting keys the marker of a triage note being posted.
	prefixPosting = "noctuary:v1:posting:"

	webhookGroup = "triage"
	// fieldEvent is the stream field holding an entry's JSON.
	fieldEvent = "e"
)

// Lifetimes of bounded keys.
const (
	webhookDedupeTTL = 96 * time.Hour
	incidentTTL      = 30 * 24 * time.Hour
	triageTTL        = 30 * 24 * time.Hour
)

func keyEvents(service string) string      { return "noctuary:v2:events:{" + service + "}" }
func keyEventIDs(service string) string    { return "noctuary:v2:events:{" + service + "}:ids" }
func keyEventLog(service string) string    { return "noctuary:v2:events:{" + service + "}:log" }
func keyService(service string) string     { return "noctuary:service:{" + service + "}" }
func keyPDService(pdID string) string      { return prefixPDService + pdID }
func keyIntegration(id string) string      { return prefixIntegration + id }
func keyIncident(incidentID string) string { return prefixIncident + incidentID }
func keyTriage(triageID string) string     { return prefixTriage + triageID }

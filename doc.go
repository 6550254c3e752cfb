// Package noctuary holds the domain types shared by every part of Noctuary:
// ContextEvents, PagerDuty webhook events and incidents, services and their
// modes, integrations, triage results, approvals, audit entries, error codes
// and the self-redacting Secret. It imports only the standard library.
package noctuary

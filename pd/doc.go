// Package pd is Noctuary's PagerDuty adapter: verification and parsing of V3
// webhooks (pure functions used by the ingest server), the plain-text triage
// note, and a REST client scoped to what docs/architecture.md, "Safety" allows — it reads
// incidents, notes, on-calls, users and abilities, and writes exactly two
// things: notes and acknowledgements. It never creates, resolves, reassigns
// or edits incidents.
//
// The client sits on go-pagerduty v1.8.0, which does not retry; this package
// retries 429, 5xx and transport errors with backoff, honours Retry-After,
// and draws every request from a budget shared by all replicas.
package pd

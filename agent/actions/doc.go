// Package actions runs the actions declared in the configuration file
// (docs/architecture.md, "Action webhooks"): a signed HTTP POST of JSON to the action's webhook, with the
// audit ID as idempotency key. A destructive action is never retried.
package actions

// Package postmortem drafts the postmortem of a resolved incident
// (docs/architecture.md, "Postmortem drafts"): it gathers what Noctuary
// recorded (the incident's state, its triage, approvals, audit entries and
// feedback) into a timeline, renders the draft as Markdown with a template,
// and asks a model for a narrative when one is configured, keeping the model's
// text apart from the facts, escaped and bounded. Service stores the draft,
// references it in one PagerDuty note and posts it in the incident's Slack
// thread, once however often the resolution is delivered. It imports only
// the root package; Main wires the store, PagerDuty, Slack and Gemini to its
// interfaces.
package postmortem

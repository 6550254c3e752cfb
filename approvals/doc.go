// Package approvals is the safety core behind the Slack buttons and any
// other front end (docs/architecture.md, "Safety"): it offers only declared
// actions, decides who may approve them (approvers, members of approver
// user groups, PagerDuty's on-call), runs each approved action exactly once
// through an atomic state transition in Redis, and records the decision,
// the execution and the result as PagerDuty timeline notes and audit
// entries. Nothing is written to PagerDuty and no action runs unless
// noctuary.MayAct allows it (enabled, action mode, nothing paused).
package approvals

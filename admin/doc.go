// Package admin is the one implementation of Noctuary's admin operations,
// shared by the Slack commands, the admin API and the dashboard: enabling
// services, modes, approvers, the kill switch and PagerDuty key rotation.
// Each change is validated once and audited exactly once, whichever front
// end calls it; a refused change is audited with its reason.
package admin

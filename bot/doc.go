// Package bot is Noctuary's Slack surface: the /noctuary slash command, the
// message buttons and modals (over signed HTTP requests or Socket Mode), and
// the mirror that posts each incident's triage to its service's channel.
//
// Slack must hear back within 3 s, so requests are verified, answered and,
// when the work is long (running an action, acknowledging in PagerDuty,
// posting a message), queued as jobs on the Redis stream
// noctuary:v1:slack:jobs. The bot's job worker (Run) takes them from the
// consumer group "slack", acknowledges each once done, reclaims jobs of a
// crashed worker and dead-letters a job after repeated failures.
//
// The incident's message is recorded in noctuary:v1:slackmsg:<incident id>
// (a hash: channel, ts, and the triage, offers, outcomes and last announced
// status that the message shows), so that every later job updates the same
// message in place.
package bot

// Package store keeps Noctuary's state in Redis (7.0 or later), or in an
// embedded in-process Redis (miniredis) when no URL is given: the webhook
// queue and its dead letters, ContextEvents, service settings, incident
// state, triages, locks, the shared PagerDuty request budget and the audit
// log. Redis failures are *noctuary.Error with code EUnavailable.
//
// # Key layout (schema 2; ContextEvents v2)
//
// Every key has a bound: streams and event sets are trimmed, most of the rest
// expire, and those that do not (settings, maps, counts, the pause) are one per
// service, integration or PagerDuty service.
//
//	noctuary:schema                         string: the key schema version of the data (SchemaVersion, 2);
//	                                        missing means 1 (older versions, or an empty Redis). Open
//	                                        migrates older data and refuses a newer version (schema.go)
//	noctuary:schema:migrating               string: lock token of the one process migrating, SET NX PX 30s
//	noctuary:webhooks                       stream, group "triage"; field "e" = WebhookEvent JSON.
//	                                        Entries are deleted once acknowledged.
//	{noctuary:webhooks}:seen:<event id>     webhook dedupe, SET with the stream in one script, 96h
//	noctuary:webhooks:dead                  stream: "e", "reason", "deliveries", "stream_id"; MAXLEN ~ 10000
//	noctuary:v2:events:{<svc>}              zset: member = a pack, the JSON array of the compact ContextEvents
//	                                        that one request stored for one minute of occurred_at (after
//	                                        a random base-36 tag when they have no id); score = that
//	                                        minute's start in ms; a pack is trimmed on write once its
//	                                        minute is wholly older than now - retention (by the injected
//	                                        clock; without ids, at a replica's first write of the service
//	                                        in each minute, upkeep.go); expires one retention (and up to a
//	                                        minute) after the service's last event
//	noctuary:v2:events:{<svc>}:ids          zset: event id -> end of its pack's minute (ms); dedupe,
//	                                        trimmed and expiring with the events
//	noctuary:v2:events:{<svc>}:log          stream: one entry per write of packs, appended after them
//	                                        (in the script with ids): "from", "to" = the minutes
//	                                        written (pack scores, ms); MAXLEN ~ 1000, expiring with the
//	                                        events. Window caches re-read only the minutes it names
//	                                        (windowcache.go)
//	noctuary:audit                          stream; field "e" = AuditEntry JSON; MINID ~ by audit retention
//	noctuary:v1:rollout                     stream; field "e" = RolloutRecord JSON (pages, acknowledgements,
//	                                        actions offered: what the rollout review counts); MINID ~ by
//	                                        audit retention (rollout.go)
//	noctuary:service:{<svc>}                hash of settings (see servicecodec.go); actions never stored
//	noctuary:services                       set of service keys
//	noctuary:pdservice:<PD service id>      string: service key
//	noctuary:v1:integration:<id>            hash of non-secret fields (environment, direction, from, api_url)
//	noctuary:v1:incident:<incident id>      string: IncidentState JSON, 30 days after its last update
//	noctuary:v1:integrations:live           hash: integration id -> IntegrationRecord JSON, the integrations
//	                                        created through the admin API (secrets sealed by admin)
//	noctuary:v1:incidents                   zset: incident id -> when first seen (ms); trimmed to 30 days
//	                                        at each addition; the admin API's list (incidentlist.go)
//	noctuary:v1:incident-approvals:<id>     set: the incident's approval ids, as long as its approvals
//	noctuary:v1:triage:<triage id>          string: Triage JSON, compacted (noctuary.Triage.Compact:
//	                                        cited and top signals, counts of the window; < 10 KB),
//	                                        30 days; an older uncompacted one reads compacted
//	noctuary:v1:lock:triage:<triage id>     string: lock token, SET NX PX; a lease its holder renews
//	                                        (renewScript) while the triage runs; also pm_<…>, a
//	                                        postmortem draft's lock while it is drafted and delivered
//	noctuary:v1:postmortem:<incident id>    string: the incident's postmortem draft, noctuary.Postmortem
//	                                        JSON (its latest revision, Markdown included), 30 days
//	noctuary:v1:webhook:retry:<stream id>   hash: due (unix ms), refunds, retries: a pending webhook
//	                                        entry deferred (PagerDuty or Redis unavailable, or its
//	                                        incident busy), deleted with the entry;
//	                                        7 days after its last deferral (webhookretry.go)
//	rate:noctuary:v1:ratelimit:<bucket>     string: the GCRA state (theoretical arrival time) of a
//	                                        PagerDuty key's request budget, or of an ingest token's
//	                                        event budget (bucket "ingest:<16 hex of the token's
//	                                        SHA-256>", TakeN), or of a client address's dashboard sign-ins
//	                                        (bucket "dashboard-signin:<address>", Reserve), kept by go-redis/redis_rate
//	                                        (which adds "rate:"); expires once the bucket is full again
//	noctuary:v1:ratelimit:<bucket>:blocked  string "1" while the bucket's API asked to wait
//	                                        (PagerDuty 429 Retry-After), SET PX: no Reserve passes
//	noctuary:v1:approval:<approval id>      hash: one offered action and its state (pending, running,
//	                                        done, failed, rejected, expired); 7 days after it expires
//	noctuary:v1:feedback:{<svc>}:<triage>   hash: user -> vote ("<right|wrong> <engine> <triage> <user>")
//	                                        on one triage; 30 days, like the triage
//	noctuary:v1:feedback:{<svc>}:votes      zset: member = a vote as above, score = when it was given (ms,
//	                                        injected clock); trimmed on write to 90 days, expires 90 days
//	                                        after the last vote (feedback.go)
//	noctuary:v1:feedback:{<svc>}:misses     zset: "<triage> <user>" of each miss (a vote "wrong" with the
//	                                        cause the engineer named), scored and trimmed like :votes
//	noctuary:v1:feedback:{<svc>}:miss:<triage>:<user>
//	                                        string: the miss's JSON (noctuary.Miss), 90 days
//	noctuary:v1:apikey:<integration id>     hash: first_seen, rotated_at, current and previous (keys
//	                                        encrypted by package admin), pending; one per integration
//	noctuary:v1:credential:report:<integration id>
//	                                        string: JSON of what its PagerDuty credential may do
//	                                        (noctuary.CredentialReport), as last checked; one per integration
//	noctuary:v1:credential:since:<integration id>:<kind>
//	                                        hash: fp (a SHA-256 prefix of the secret, never the secret),
//	                                        since (ms): when that secret was first seen; one per secret
//	noctuary:v1:credential:reminder:<integration id>:<kind>:<since ms>:<week>
//	                                        string: a rotation reminder was sent that week, SET NX EX 8 days
//	noctuary:v1:paused                      string "1" while the global kill switch is on
//	noctuary:v1:slack:jobs                  stream, group "slack": Slack jobs (opaque bytes of package
//	                                        bot); entries deleted once handled; MAXLEN ~ 100000
//	{noctuary:v1:slack:jobs}:dead           stream: "e", "reason", "stream_id": Slack jobs that failed
//	                                        for good or too often, in the queue's hash slot (one script
//	                                        moves a job there); MAXLEN ~ 1000
//	noctuary:v1:slack:jobs:dead             the same in schema 1: the migration to schema 2 moves its
//	                                        entries to {noctuary:v1:slack:jobs}:dead and deletes it
//	noctuary:v1:slackmsg:<incident id>      hash: the incident's Slack message (channel, ts, its
//	                                        compacted triage, what its thread was told, a digest
//	                                        of the incident state it shows, …); 30 days
//	noctuary:v1:slackthread:<channel>:<ts> string: the incident ID of the Slack message ts (a thread's
//	                                        parent), for @noctuary mentions in it; 30 days, like the message
//	noctuary:v1:lock:slackmsg:<incident id> string: lock token while the message is posted or
//	                                        updated, SET NX PX
//	noctuary:v1:slack:seen:<signature>      string: an accepted Slack request's signature, SET NX PX 10m
//	                                        (a replay within Slack's 5-minute window has no effect); or
//	                                        "event:<event id>" of an Events API event (Slack's retries)
//	noctuary:v1:seeded                      string: when Redis was first seeded (unix ms; "1" from older
//	                                        versions); it holds the seeded groups, integrations and
//	                                        declared services; its absence means Redis lost them (recover.go)
//	noctuary:v1:dashboard:session:<sha256> string: a dashboard session's CSRF token, keyed by the SHA-256 (hex)
//	                                        of the session cookie's value; SET EX 12h at sign-in, deleted
//	                                        at sign-out (dashboard.go)
//	noctuary:v1:integrations:webhook-at     hash: integration id -> when its last signed webhook arrived (unix
//	                                        ms; marked at most once a minute per replica); one field per
//	                                        integration
//	noctuary:v1:posting:<triage id>         string "1" from just before a triage's note is posted until it is
//	                                        kept as delivered (or surely not posted): left behind, it makes
//	                                        the next attempt ask PagerDuty first (posting.go); 7 days; also
//	                                        pm_<…>, the note that references a postmortem draft
//
// Feedback used to be counted for all time in the hash
// noctuary:v1:feedback:{<svc>} ("right", "wrong"); it is no longer read or
// written (votes now count over 30 and 90 days), and such a hash left by an
// older version can be deleted.
//
// ContextEvents are v2 (a name older than the key schema version): kept by when they occurred, so that an event
// delivered late still falls in its window. The v1 streams
// (noctuary:events:{<svc>} and its :ids, by receive time) are no longer read
// or written; they expire by themselves one retention after their last
// write (see README, "Upgrading").
//
// # Redis Cluster
//
// Keys a Lua script or a MULTI/EXEC touches share a hash slot: the braces,
// or a key named without braces whose name is another's hash tag
// (noctuary:webhooks and {noctuary:webhooks}:seen:<id> hash alike). Writes
// that span slots are ordered so that a failure in between is harmless:
// AckWebhook deletes the retry record after the entry; a service's settings
// are written before its index (noctuary:services, noctuary:pdservice:*);
// StartPosting sets its marker before it reads the seeded mark. Pipelines
// span slots freely (go-redis splits them by node). Nothing scans the
// keyspace. On a cluster, the seeded mark lives on one master: Recover
// notices a wipe of that master, and lookups notice what the others lost
// (consumer groups, declared services).
//
// # Secrets
//
// Secrets are never written in clear: rotated PagerDuty keys are encrypted
// by package admin; integration secrets and action specs stay in memory,
// from the configuration.
//
// The embedded Redis keeps nothing across restarts; it lets TTLs run down
// with the wall clock, as Redis does.
package store

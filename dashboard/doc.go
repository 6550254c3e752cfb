// Package dashboard is Noctuary's web dashboard: server-rendered pages
// (html/template, assets embedded) on the HTTP server's Gin engine, for
// admins signed in with the admin token. Its changes go through the same
// admin operations as the admin API and the Slack commands, audited as
// Actor ("dashboard:admin"). See docs/architecture.md, "Dashboard".
//
// Paths: / sends to /dashboard/incidents; /dashboard/sign-in (GET, POST),
// /dashboard/sign-out (POST); /dashboard/integrations (GET; POST adds one),
// /dashboard/integrations/{id}/webhook-secret, …/token, …/check (POST);
// /dashboard/services (GET), /dashboard/services/{key}/enabled, …/mode,
// …/channel (POST); /dashboard/incidents (GET, ?offset=),
// /dashboard/incidents/{id}; /dashboard/audit (GET, filters service,
// incident, actor, since, until), /dashboard/audit.ndjson (the export);
// /dashboard/static/ (style sheets, copy script).
//
// Stable element IDs and form field names, for the browser tests (keep
// them when changing a template):
//
//	every page      #nav, #sign-out (button), #error (a refusal's sentence), #notice (a change done)
//	sign-in         #sign-in-form, #token (name="token"), #sign-in (button)
//	integrations    #add-integration-form: #type (name="type", value "pagerduty"),
//	                #environment (name="environment"), #direction (name="direction":
//	                bidirectional, inbound), #integration-id (name="id"), #from (name="from"),
//	                #api-url (name="api_url"), #add-integration (button);
//	                after adding: #created with #webhook-url (the new integration's URL);
//	                each integration: #integration-<id> with #webhook-url-<id>,
//	                #secret-<id> (name="secret"), #token-<id> (name="token"), #check-<id>
//	                (button), then #check-result; #steps (the PagerDuty steps);
//	                #integrations-empty when there is none
//	services        #services (table), #services-empty, #paused; each service: row
//	                #service-<key> with #enable-<key> or #disable-<key> (buttons; form
//	                field name="enabled"), #mode-<key> (name="mode": read-only, action)
//	                and #set-mode-<key>, #channel-<key> (name="slack_channel") and
//	                #set-channel-<key>
//	incidents       #incidents (table) with rows #incident-<id> linking to the incident,
//	                #incidents-empty, #newer, #older
//	incident        #incident (facts), #note (the note as posted) or #note-empty,
//	                #timeline (SVG), #signals or #signals-empty, #approvals or
//	                #approvals-empty, #feedback or #feedback-empty, #slack-preview
//	audit           #audit-filters: #f-service (name="service"), #f-incident
//	                (name="incident"), #f-actor (name="actor"), #f-since (name="since"),
//	                #f-until (name="until"), #filter (button); #audit (table),
//	                #audit-empty, #audit-export (the NDJSON link)
//	forms           every POST form has a hidden name="csrf"
package dashboard

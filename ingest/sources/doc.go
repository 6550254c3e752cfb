// Package sources translates the payloads of the tools an SRE already runs
// (Alertmanager, GitHub, PagerDuty Change Events, Kubernetes…) into
// ContextEvents. Each tool is one file holding a pure translation: bytes in,
// a Result out, no I/O. Package ingest serves each under
// POST /v1/events/<name> and stores what comes out exactly like
// POST /v1/events: same validation, dedupe, batch and error rules.
//
// # Adding a source
//
//  1. Write <tool>.go here: a type holding the tool's configuration (a
//     service map, a secret) whose Translate method satisfies
//     ingest.Translator. Decode the tool's documented payload leniently
//     (unknown fields are the tool's business), and return:
//     - a *noctuary.Error with code EInvalid naming the reason when the body
//     is not the tool's payload (400);
//     - EUnauthorized when the tool's own credential (a signature, a routing
//     key) does not verify (401);
//     - otherwise a Result: one event per item that maps to a service, and
//     the name of every item that maps to none in Unmapped. Never refuse a
//     payload for unmapped items: the tool would resend it for ever.
//  2. Build events with the helpers of this package: Clip for text limits,
//     ParseTime for the tool's timestamps, ServiceKey for mapped names, a
//     stable ID (the tool's own delivery or object ID) so that a resend is a
//     duplicate, not a second event.
//  3. Golden-test it (testdata/<tool>/*.json from the tool's published
//     examples, citing where each comes from) down to the exact events, and
//     fuzz it with a seed corpus in testdata/fuzz.
//  4. Add its configuration under sources: in cmd/noctuary/config, and one
//     ingest.Source line in cmd/noctuary (sources.go) naming the route, whether
//     it takes the bearer ingest token, and the translator.
//  5. A README section with the exact configuration on the tool's side.
package sources

package agent

import "github.com/noctuary/noctuary"

// EventScope returns the services whose ContextEvents a triage of svc
// correlates: svc itself and its declared dependencies. The worker reads
// these from the store; the evaluation suite (agent/eval) filters its
// scenarios' events by the same rule.
func EventScope(svc noctuary.Service) []string {
	return append([]string{svc.Key}, svc.Dependencies...)
}

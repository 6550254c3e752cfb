package agent

import (
	"time"

	"github.com/noctuary/noctuary"
)

// EventScope returns the services whose ContextEvents a triage of svc
// correlates: svc itself and its declared dependencies. The worker reads
// these from the store; the evaluation suite (agent/eval) filters its
// scenarios' events by the same rule.
func EventScope(svc noctuary.Service) []string {
	return append([]string{svc.Key}, svc.Dependencies...)
}

// NewRequest is the request the worker hands the engines for an incident of
// svc (the paging service) with onset at: events (of EventScope) correlated
// with opt (its Service is svc; zero Window and After take the defaults).
// The evaluation suite builds its requests here too, so it measures what the
// worker does.
func NewRequest(inc noctuary.Incident, svc noctuary.Service, onset time.Time, events []noctuary.ContextEvent, opt CorrelateOptions) Request {
	opt.Service = svc
	return Request{Incident: inc, Service: svc, Onset: onset, Correlation: Correlate(inc, onset, events, opt)}
}

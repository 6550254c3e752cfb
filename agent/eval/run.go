package eval

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
)

// Outcome is how the heuristic engine and the naive rule answered one
// scenario.
type Outcome struct {
	Name, Category, File string
	// Expected, Got and Naive are event IDs or NoCause.
	Expected, Got, Naive string
	Confidence           float64
	Hypothesis           string
	// Missing are the expected mentions the hypothesis lacks.
	Missing []string
	// Dishonest is set when no event fell in the window but the result did
	// not say that context is not available.
	Dishonest bool
	// Engine answered; Fallback says why the primary engine's answer was
	// not used, when one was asked and it was not.
	Engine, Fallback string
}

// Right reports whether the engine named the true cause (and said what
// the scenario expects it to say).
func (o Outcome) Right() bool {
	return o.Got == o.Expected && len(o.Missing) == 0 && !o.Dishonest
}

// NaiveRight reports whether the naive rule named the true cause.
func (o Outcome) NaiveRight() bool { return o.Naive == o.Expected }

// Run triages every scenario with the heuristic engine, each with its onset
// placed relative to now: what make eval measures.
func Run(ctx context.Context, scenarios []Scenario, now time.Time) Report {
	return RunWith(ctx, scenarios, now, nil)
}

// RunWith is Run with primary (an LLM engine) asked first and the heuristic
// as its fallback, as the worker does; nil primary is Run.
func RunWith(ctx context.Context, scenarios []Scenario, now time.Time, primary agent.Engine) Report {
	r := Report{Outcomes: make([]Outcome, 0, len(scenarios))}
	for i := range scenarios {
		r.Outcomes = append(r.Outcomes, runOne(ctx, &scenarios[i], now, primary))
	}
	return r
}

// runOne triages s as the worker does: its Request handed to
// agent.Hypothesize.
func runOne(ctx context.Context, s *Scenario, now time.Time, primary agent.Engine) Outcome {
	req := s.Request(now)
	corr := req.Correlation
	res := agent.Hypothesize(ctx, primary, req, 0)
	o := Outcome{Name: s.Name, Category: s.Category, File: s.File, Expected: s.Expect.Cause, Got: NoCause,
		Naive: naive(s.scoped(req.Service, req.Onset), req.Onset, corr.From), Confidence: res.Confidence, Hypothesis: res.Hypothesis,
		Engine: res.Engine, Fallback: res.FallbackReason}
	if res.Cause != nil {
		o.Got = res.Cause.Event.ID
	}
	hyp := strings.ToLower(res.Hypothesis)
	for _, m := range s.Expect.Mentions {
		if !strings.Contains(hyp, strings.ToLower(m)) {
			o.Missing = append(o.Missing, m)
		}
	}
	o.Dishonest = len(corr.Signals) == 0 && !res.NoContext
	return o
}

// Request is the request the worker would build for the scenario's incident
// with its onset placed relative to now: the events of the service and its
// dependencies, correlated over the default window.
func (s *Scenario) Request(now time.Time) agent.Request {
	onset := now.Add(time.Duration(s.Incident.Onset)).UTC()
	svc := s.config()
	inc := noctuary.Incident{ID: "EVAL-" + s.Name, Title: s.Incident.Title, Status: "triggered",
		Urgency: s.Incident.Urgency, CreatedAt: onset, Service: noctuary.Reference{ID: svc.Key, Summary: svc.Key}}
	return agent.NewRequest(inc, svc, onset, s.scoped(svc, onset), agent.CorrelateOptions{})
}

// config is the incident's service as the configuration would declare it.
func (s *Scenario) config() noctuary.Service {
	d, _ := s.service(s.Incident.Service)
	return noctuary.Service{Key: d.Key, Environment: "prod", Enabled: true, Mode: noctuary.ModeReadOnly,
		Dependencies: d.Dependencies, LLM: true}
}

// scoped returns the scenario's events that the worker would read from the
// store for svc: those of agent.EventScope.
func (s *Scenario) scoped(svc noctuary.Service, onset time.Time) []noctuary.ContextEvent {
	scope := agent.EventScope(svc)
	var out []noctuary.ContextEvent
	for _, e := range s.Events {
		if slices.Contains(scope, e.Service) {
			out = append(out, s.event(e, onset))
		}
	}
	return out
}

// naive is the rule "latest change on the service or a dependency before
// onset" within the correlation window: the ID of the latest event that
// agent.Classify calls a change, or NoCause. Of changes at the same
// instant, the first listed wins.
func naive(events []noctuary.ContextEvent, onset, from time.Time) string {
	best := -1
	for i, e := range events {
		if agent.Classify(e.Kind) != noctuary.ClassChange || e.OccurredAt.After(onset) || e.OccurredAt.Before(from) {
			continue
		}
		if best < 0 || e.OccurredAt.After(events[best].OccurredAt) {
			best = i
		}
	}
	if best < 0 {
		return NoCause
	}
	return events[best].ID
}

package eval

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// FeedbackCategory is the category of the scenarios written from
// engineers' feedback (noctuary eval export).
const FeedbackCategory = "feedback"

// missOnset places an exported incident's onset before the suite's run:
// an hour, so that signals shortly after the onset are past too.
const missOnset = -time.Hour

// FromMiss writes a miss recorded from an engineer's "wrong" (the "what was
// it, then?" modal) as a scenario. Its events are what the triage kept: the
// signals it stored (those it cited, and the highest-scoring others), not
// every event of its window. The incident's service
// depends on dependencies (as the configuration declares them now) and on
// the services of those signals, so the engine sees each of them. The
// expected cause is the signal the engineer named; when they named none,
// only words, it is NoCause (none of the kept events was the cause) and the
// story quotes them, for a reviewer to add the event that reported it.
func FromMiss(m noctuary.Miss, dependencies []string) Scenario {
	t := m.Triage
	s := Scenario{
		Name:     missName(m),
		Category: FeedbackCategory,
		Incident: IncidentDef{Service: t.Service, Title: t.Incident.Title, Urgency: t.Incident.Urgency, Onset: Offset(missOnset)},
		Expect:   Expectation{Cause: NoCause},
	}
	if s.Incident.Title == "" {
		s.Incident.Title = "incident " + t.Incident.ID
	}
	deps := slices.Clone(dependencies)
	ids := map[string]bool{NoCause: true}
	for i, sig := range t.Signals {
		e := sig.Event
		id := e.ID
		if id == "" || ids[id] {
			id = fmt.Sprintf("signal-%d", i+1)
		}
		ids[id] = true
		s.Events = append(s.Events, EventDef{ID: id, Service: e.Service, Kind: e.Kind, Source: e.Source,
			At: Offset(e.OccurredAt.Sub(t.Onset)), Summary: e.Summary, Attributes: e.Attributes, Link: e.Link})
		if m.Signal != nil && *m.Signal == i {
			s.Expect.Cause = id
		}
		if e.Service != t.Service && !slices.Contains(deps, e.Service) {
			deps = append(deps, e.Service)
		}
	}
	s.Services = []ServiceDef{{Key: t.Service, Dependencies: deps}}
	s.Story = missStory(m, s.Expect.Cause)
	return s
}

// missName names the scenario after the triage and the engineer, who has
// one miss per triage.
func missName(m noctuary.Miss) string {
	return strings.ToLower("feedback-" + m.Triage.ID + "-" + m.User)
}

// missStory says what Noctuary said, what the engineer said instead, and
// where the scenario comes from.
func missStory(m noctuary.Miss, cause string) string {
	t := m.Triage
	var b strings.Builder
	fmt.Fprintf(&b, "Noctuary's %s engine said %q (confidence %d%%); an engineer marked it wrong. ",
		t.Engine, t.Hypothesis, int(math.Round(t.Confidence*100)))
	if cause != NoCause {
		fmt.Fprintf(&b, "The cause was signal %s. ", cause)
	} else {
		b.WriteString("They named none of the listed signals: none of these events was the cause; " +
			"if an event reported it, add it and name it in expect.cause. ")
	}
	if m.Text != "" {
		fmt.Fprintf(&b, "In their words: %q. ", m.Text)
	}
	b.WriteString("Exported from feedback: the events are the signals the triage stored, not every event of its window.")
	return b.String()
}

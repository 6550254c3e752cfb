package agent

import (
	"fmt"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestHeuristicCitesFirst: the signal the heuristic's hypothesis rests on
// comes first and is counted as cited, even when other signals outrank it,
// so that a compacted triage keeps it.
func TestHeuristicCitesFirst(t *testing.T) {
	var chatter []noctuary.ContextEvent
	for i := range 30 {
		chatter = append(chatter, event(fmt.Sprint("info-", i), "checkout", "heartbeat", "monitor", "02:14:40", "all quiet", nil))
	}
	failure := event("old-latency", "checkout", "HighLatency", "prometheus", "01:46:00", "p99 above 2s", nil)
	noop := event("tf", "checkout", "terraform_apply", "terraform", "02:12:00", "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.", nil)
	tests := []struct {
		name   string
		events []noctuary.ContextEvent
		cited  string // IDs of the first Cited signals
	}{
		{"a change", seedEvents(), "argo-7781"},
		{"a change and an innocuous one it names", append([]noctuary.ContextEvent{poolSize, noop, symptom}, chatter...), "cfg tf"},
		{"a failure outranked by information", append([]noctuary.ContextEvent{failure}, chatter...), "old-latency"},
		{"information only", chatter, "info-0"},
		{"no context", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(seedService(), tt.events...)
			res := Heuristic(req)
			cited := strings.Join(ids(Correlation{Signals: res.Signals[:res.Cited]}), " ")
			if cited != tt.cited || len(res.Signals) != len(tt.events) {
				t.Errorf("cited %q of %d signals; want %q of %d (%s)", cited, len(res.Signals), tt.cited, len(tt.events), res.Hypothesis)
			}
			if tt.name == "a failure outranked by information" && req.Correlation.Signals[0].Event.ID == "old-latency" {
				t.Errorf("the scenario needs the failure outranked")
			}
			kept := withResult(noctuary.Triage{}, res)
			if got := strings.Join(ids(Correlation{Signals: kept.Signals[:kept.Cited]}), " "); kept.SignalTotal() != len(tt.events) || got != tt.cited {
				t.Errorf("the stored triage keeps %q cited of %d; want %q of %d", got, kept.SignalTotal(), tt.cited, len(tt.events))
			}
		})
	}
}

// TestWithResultKeepsLLMCited: the LLM's cited signals, whatever their
// rank, are kept with the 10 highest-scoring.
func TestWithResultKeepsLLMCited(t *testing.T) {
	var evs []noctuary.ContextEvent
	for i := range 40 {
		evs = append(evs, event(fmt.Sprint("e", i), "checkout", "OOMKill", "kubernetes", fmt.Sprintf("02:%02d:%02d", i%14, i), "", nil))
	}
	ranked := request(seedService(), evs...).Correlation.Signals
	llm := Result{Engine: "gemini", Signals: append([]noctuary.Signal{ranked[39], ranked[38]}, ranked[:38]...), Cited: 2}
	tr := withResult(noctuary.Triage{}, llm)
	if len(tr.Signals) != 12 || tr.Cited != 2 || tr.Signals[0].Event.ID != ranked[39].Event.ID || tr.SignalTotal() != 40 {
		t.Errorf("kept %d signals, cited %d, first %s of %d", len(tr.Signals), tr.Cited, tr.Signals[0].Event.ID, tr.SignalTotal())
	}
}

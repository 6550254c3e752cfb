package agent

import (
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestHeuristicCause checks that Result.Cause names the event the
// hypothesis blames, and nothing when it blames none.
func TestHeuristicCause(t *testing.T) {
	onset := seedOnset
	pg := event("pg-1", "postgres-main", "deadlock", "postgres", "02:14:33", "deadlock detected", nil)
	info := event("note-1", "checkout", "annotation", "grafana", "02:12:00", "dashboard edited", nil)
	tests := []struct {
		name   string
		events []noctuary.ContextEvent
		want   string // event ID, "" for no cause
	}{
		{"change before onset", seedEvents(), "argo-7781"},
		{"failure only", []noctuary.ContextEvent{pg}, "pg-1"},
		{"information only", []noctuary.ContextEvent{info}, ""},
		{"no context", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Incident: seedIncident(), Service: seedService(), Onset: onset,
				Correlation: Correlate(seedIncident(), onset, tt.events, CorrelateOptions{Window: 30 * time.Minute})}
			res := Heuristic(req)
			got := ""
			if res.Cause != nil {
				got = res.Cause.Event.ID
			}
			if got != tt.want {
				t.Fatalf("Cause = %q, want %q (hypothesis %q)", got, tt.want, res.Hypothesis)
			}
		})
	}
}

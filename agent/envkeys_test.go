package agent_test

import (
	"testing"
	"time"

	"github.com/noctuary/noctuary/agent"
)

// TestTriageIDKeepsEarlierIDs: the IDs of incidents delivered through their
// own environment's integration are those earlier versions wrote in note
// footers (sha256 of "integration\x00incident\x00onset"), so a note already
// posted is still found and not posted again.
func TestTriageIDKeepsEarlierIDs(t *testing.T) {
	tests := []struct {
		writer, incident, onset, want string
	}{
		{"prod", "Q1ABC", "2026-11-23T02:14:50Z", "tr_d8772b10b951ad508e81"},
		{"default", "QREADME1", "2026-11-23T02:14:50.5Z", "tr_f4535c7e2d14edca15aa"},
	}
	for _, tt := range tests {
		onset, err := time.Parse(time.RFC3339Nano, tt.onset)
		if err != nil {
			t.Fatal(err)
		}
		if got := agent.TriageID(tt.writer, tt.incident, onset.In(time.FixedZone("X", 3600))); got != tt.want {
			t.Errorf("TriageID(%q, %q, %s) = %s, want %s", tt.writer, tt.incident, tt.onset, got, tt.want)
		}
	}
}

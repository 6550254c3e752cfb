package blocks

import (
	"slices"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestThreadLines: each episode's first acknowledgement and resolution,
// each reopen, a merge's target; the first episode keeps the keys threads
// were told before (so that a thread told them is not told again), a state
// kept without its course says its current fields.
func TestThreadLines(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tr := func(typ string, min int, by string) noctuary.Transition {
		return noctuary.Transition{Type: typ, At: t0.Add(time.Duration(min) * time.Minute), By: by}
	}
	ack, unack, res, reopen := noctuary.EventIncidentAcknowledged, noctuary.EventIncidentUnacknowledged, noctuary.EventIncidentResolved, noctuary.EventIncidentReopened
	reopenKey := "@1772359800000000000" // t0 + 10 min, in Unix nanoseconds
	tests := []struct {
		name string
		st   noctuary.IncidentState
		want []ThreadLine
	}{
		{"triggered", noctuary.IncidentState{Incident: noctuary.Incident{Status: "triggered", CreatedAt: t0}}, nil},
		{"kept without its course", noctuary.IncidentState{Incident: noctuary.Incident{Status: "resolved", CreatedAt: t0},
			AcknowledgedBy: "Ann", AcknowledgedAt: t0.Add(time.Minute), ResolvedAt: t0.Add(2 * time.Minute)},
			[]ThreadLine{{"status:acknowledged", "Acknowledged by Ann, 1m0s after trigger."}, {"status:resolved", "Resolved."}}},
		{"status alone", noctuary.IncidentState{Incident: noctuary.Incident{Status: "acknowledged"}},
			[]ThreadLine{{"status:acknowledged", "Acknowledged."}}},
		{"acknowledged twice in an episode", noctuary.IncidentState{Incident: noctuary.Incident{Status: "acknowledged", CreatedAt: t0},
			Course: []noctuary.Transition{tr(ack, 1, "Ann"), tr(unack, 2, ""), tr(ack, 3, "Bob")}, AcknowledgedAt: t0.Add(3 * time.Minute), AcknowledgedBy: "Bob"},
			[]ThreadLine{{"status:acknowledged", "Acknowledged by Ann, 1m0s after trigger."}}},
		{"reopened without an agent, resolved again", noctuary.IncidentState{Incident: noctuary.Incident{Status: "resolved", CreatedAt: t0},
			Course: []noctuary.Transition{tr(res, 5, ""), tr(reopen, 10, ""), tr(res, 12, "")}, ResolvedAt: t0.Add(12 * time.Minute)},
			[]ThreadLine{{"status:resolved", "Resolved."}, {"status:reopened" + reopenKey, "Reopened."}, {"status:resolved" + reopenKey, "Resolved."}}},
		{"resolved, reopened, merged", noctuary.IncidentState{Incident: noctuary.Incident{Status: "resolved", CreatedAt: t0, MergedInto: noctuary.Reference{ID: "Q2"}},
			Course: []noctuary.Transition{tr(res, 5, ""), tr(reopen, 10, ""), tr(res, 12, "")}, ResolvedAt: t0.Add(12 * time.Minute)},
			[]ThreadLine{{"status:resolved", "Resolved."}, {"status:reopened" + reopenKey, "Reopened."}, {"status:resolved" + reopenKey, "Merged into incident Q2."}}},
		{"merged, no link", noctuary.IncidentState{Incident: noctuary.Incident{Status: "resolved", MergedInto: noctuary.Reference{ID: "Q2", HTMLURL: "javascript:x"}},
			Course: []noctuary.Transition{tr(res, 5, "")}},
			[]ThreadLine{{"status:resolved", "Merged into incident Q2."}}},
		{"merged, summary escaped", noctuary.IncidentState{Incident: noctuary.Incident{Status: "resolved",
			MergedInto: noctuary.Reference{ID: "Q2", Summary: "<!channel> a|b", HTMLURL: "https://x.pagerduty.com/incidents/Q2"}}},
			[]ThreadLine{{"status:resolved", "Merged into <https://x.pagerduty.com/incidents/Q2|‹!channel› a¦b>."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ThreadLines(tt.st); !slices.Equal(got, tt.want) {
				t.Errorf("ThreadLines =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

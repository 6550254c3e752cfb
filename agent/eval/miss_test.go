package eval

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/noctuary/noctuary"
)

// missOf is a miss of a triage that blamed checkout's deploy while the
// orders database's disk was full; signal is the index the engineer named.
func missOf(signal *int, text string) noctuary.Miss {
	onset := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
	tr := noctuary.Triage{ID: "tr_0a1b2c", Service: "checkout", Engine: "heuristic", Confidence: 0.62, Onset: onset,
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset",
		Incident:   noctuary.Incident{ID: "Q1", Title: "[FIRING:1] HighErrorRate checkout 5xx 12%", Urgency: "high"},
		Signals: []noctuary.Signal{
			{Event: noctuary.ContextEvent{ID: "argo-7781", Service: "checkout", Kind: "deploy", Source: "argocd",
				OccurredAt: onset.Add(-4 * time.Minute), Summary: "checkout rolled out sha=a4f2c1",
				Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}}},
			{Event: noctuary.ContextEvent{Service: "orders-db", Kind: "disk_full", Source: "datadog",
				OccurredAt: onset.Add(-6 * time.Minute), Summary: "system.disk.in_use 100% on /var/lib/postgresql"}},
			{Event: noctuary.ContextEvent{ID: "argo-7781", Service: "checkout", Kind: "HighErrorRate", Source: "prometheus",
				OccurredAt: onset.Add(30 * time.Second)}},
		}}
	return noctuary.Miss{Triage: tr, User: "U0BOB", Signal: signal, Text: text}
}

// An exported miss is a scenario the suite loads and runs: the kept
// signals at their offsets from the onset, unique ids, the engineer's
// signal as the expected cause, and the signals' services as dependencies.
func TestFromMissLoadsAndRuns(t *testing.T) {
	disk := 1
	raw, err := yaml.Marshal(File{Category: FeedbackCategory, Scenarios: []Scenario{
		FromMiss(missOf(&disk, "WAL filled the volume"), []string{"payments-api"}),
		FromMiss(missOf(nil, "a zone outage nobody reported"), nil),
	}})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := Parse(raw)
	if err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, raw)
	}
	named, words := sc[0], sc[1]
	if named.Name != "feedback-tr_0a1b2c-u0bob" || named.Expect.Cause != "signal-2" || named.Category != FeedbackCategory {
		t.Errorf("scenario = %s %s %s, want the disk_full (signal-2) expected", named.Name, named.Category, named.Expect.Cause)
	}
	ids := []string{named.Events[0].ID, named.Events[1].ID, named.Events[2].ID}
	if !slices.Equal(ids, []string{"argo-7781", "signal-2", "signal-3"}) {
		t.Errorf("event ids = %q, want unique ones", ids)
	}
	if named.Events[1].At != Offset(-6*time.Minute) || named.Events[2].At != Offset(30*time.Second) {
		t.Errorf("offsets = %v, %v; want -6m and 30s from the onset", named.Events[1].At, named.Events[2].At)
	}
	if deps := named.Services[0].Dependencies; !slices.Equal(deps, []string{"payments-api", "orders-db"}) {
		t.Errorf("dependencies = %q, want the declared one and the signal's", deps)
	}
	if words.Expect.Cause != NoCause || !strings.Contains(words.Story, `"a zone outage nobody reported"`) {
		t.Errorf("a miss in words only: cause %q, story %q", words.Expect.Cause, words.Story)
	}
	report := Run(context.Background(), sc, time.Now())
	for _, o := range report.Outcomes {
		if o.Expected != "signal-2" && o.Expected != NoCause {
			t.Errorf("outcome %+v", o)
		}
	}
	if report.Total().N != 2 {
		t.Errorf("the suite ran %d scenarios, want 2", report.Total().N)
	}
}

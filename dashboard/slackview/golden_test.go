package slackview

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// triaged is the message of a real triage as bot/blocks renders it for
// Slack: two signals (one with a link), a destructive and a safe offer, an
// outcome and the feedback buttons.
func triaged() blocks.Message {
	onset := time.Date(2026, 11, 23, 2, 14, 0, 0, time.UTC)
	return blocks.Message{
		Triage: noctuary.Triage{
			ID: "tri-01", Integration: "prod", Service: "checkout", Mode: noctuary.ModeAction,
			Incident: noctuary.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "Checkout 5xx above 5% <script>",
				HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABCDEF", CreatedAt: onset},
			Onset: onset, Engine: noctuary.EngineHeuristic, Confidence: 0.94,
			Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset <@U999> & *not bold*",
			Signals: []noctuary.Signal{
				{Event: noctuary.ContextEvent{Kind: "deploy", Source: "argocd", OccurredAt: onset.Add(-199 * time.Second),
					Summary: "checkout rolled out sha=a4f2c1", Link: "https://argocd.example/applications/checkout?x=1&y=2"}},
				{Event: noctuary.ContextEvent{Kind: "deadlock", Source: "postgres", OccurredAt: onset.Add(33 * time.Second),
					Summary: "deadlock detected on orders", Link: "javascript:alert(1)"}},
			},
			Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback",
				Params: map[string]string{"sha": "f8b3e22"}, Destructive: true},
		},
		State: noctuary.IncidentState{AcknowledgedBy: "Ann Oncall", AcknowledgedAt: onset.Add(6*time.Minute + 19*time.Second),
			Incident: noctuary.Incident{CreatedAt: onset, Status: "acknowledged"}},
		Offers: []blocks.Offer{{ApprovalID: "apr-rollback", Action: "rollback", Destructive: true}, {ApprovalID: "apr-flush", Action: "flush-cache"}},
		Outcomes: []blocks.Outcome{{ApprovalID: "apr-flush", Action: "flush-cache", UserID: "U0ALICE",
			At: onset.Add(7 * time.Minute), State: noctuary.ApprovalDone, Result: "HTTP 200"}},
	}
}

func TestRenderGoldenTriage(t *testing.T) {
	data, err := json.Marshal(blocks.Render(triaged()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(data)
	if err != nil {
		t.Fatal(err)
	}
	// One block a line, so that a diff shows which block changed.
	out := strings.ReplaceAll(string(got), `<div class="sv-block`, "\n"+`<div class="sv-block`) + "\n"
	path := filepath.Join("testdata", "triage.golden.html")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("preview differs from %s (go test -update to accept):\n%s", path, out)
	}
	if err := unsafeHTML(out); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"<script", "javascript:", "<@U999>"} {
		if strings.Contains(out, s) {
			t.Errorf("preview contains %q", s)
		}
	}
	for _, s := range []string{"sv-header", "sv-danger", `<span class="sv-mention">@U0ALICE</span>`,
		`href="https://argocd.example/applications/checkout?x=1&amp;y=2"`, "Hypothesis right", "👀"} {
		if !strings.Contains(out, s) {
			t.Errorf("preview lacks %q", s)
		}
	}
}

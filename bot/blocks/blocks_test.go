package blocks

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var onset = time.Date(2026, 11, 23, 2, 14, 0, 0, time.UTC)

func triage(mode noctuary.Mode) noctuary.Triage {
	return noctuary.Triage{
		ID: "tri-01", Integration: "prod", Service: "checkout", Mode: mode,
		Incident: noctuary.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "Checkout 5xx above 5%",
			HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABCDEF", CreatedAt: onset},
		Onset: onset, Engine: noctuary.EngineHeuristic,
		Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94,
		Signals: []noctuary.Signal{
			{Event: noctuary.ContextEvent{Kind: "deadlock", Source: "postgres", OccurredAt: onset.Add(33 * time.Second),
				Summary: "deadlock detected on orders"}},
			{Event: noctuary.ContextEvent{Kind: "deploy", Source: "argocd", OccurredAt: onset.Add(-199 * time.Second),
				Summary: "checkout rolled out sha=a4f2c1", Link: "https://argocd.example/applications/checkout"}},
		},
		Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback",
			Params: map[string]string{"sha": "f8b3e22"}, Destructive: true},
		CreatedAt: onset.Add(5 * time.Second),
	}
}

var offers = []Offer{
	{ApprovalID: "apr-rollback", Action: "rollback", Destructive: true},
	{ApprovalID: "apr-flush", Action: "flush-cache"},
}

func goldenCases() map[string]Message {
	noCtx := triage(noctuary.ModeAction)
	noCtx.Signals, noCtx.NoContext = nil, true
	noCtx.Hypothesis, noCtx.Confidence = "No recent change explains the incident", 0.2
	noCtx.Recommendation = noctuary.Recommendation{Text: "Check the upstream payment provider's status page"}

	acked := noctuary.IncidentState{Incident: triage("").Incident, AcknowledgedBy: "Ann Oncall",
		AcknowledgedAt: onset.Add(6*time.Minute + 19*time.Second)}
	acked.Incident.Status = "acknowledged"
	resolved := acked
	resolved.Incident.Status, resolved.ResolvedAt = "resolved", onset.Add(40*time.Minute)

	llm := triage(noctuary.ModeAction)
	llm.Engine = "gemini-2.5-flash"
	return map[string]Message{
		"not_posted":    {Triage: notPostedTriage(noctuary.NoteRedelivered, 2)},
		"dead_lettered": {Triage: notPostedTriage(noctuary.NoteDeadLettered, 5)},
		"action":        {Triage: triage(noctuary.ModeAction), Offers: offers},
		"read_only":     {Triage: triage(noctuary.ModeReadOnly)},
		"no_context":    {Triage: noCtx},
		"paused":        {Triage: triage(noctuary.ModeAction), Offers: offers, Paused: true},
		"acknowledged":  {Triage: llm, State: acked, Offers: offers},
		"resolved": {Triage: triage(noctuary.ModeAction), State: resolved, Offers: offers, Outcomes: []Outcome{{
			ApprovalID: "apr-rollback", Action: "rollback", Destructive: true, UserID: "U0ALICE",
			At: onset.Add(7 * time.Minute), State: noctuary.ApprovalDone, Result: `HTTP 200 {"ok":true}`}}},
		"suggestions": suggested(),
	}
}

func TestRenderGolden(t *testing.T) {
	for name, m := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string][]slack.Block{"blocks": Render(m)}); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from the golden file; got:\n%s", path, got)
			}
		})
	}
}

// actionIDs returns the action IDs of every button, in order.
func actionIDs(bs []slack.Block) []string {
	var ids []string
	for _, b := range bs {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				ids = append(ids, e.(*slack.ButtonBlockElement).ActionID)
			}
		}
	}
	return ids
}

func TestButtonsPerMode(t *testing.T) {
	cases := goldenCases()
	tests := []struct {
		name string
		want string
	}{
		{"action", "noctuary_approve noctuary_apply noctuary_ack noctuary_feedback_right noctuary_feedback_wrong"},
		{"read_only", "noctuary_feedback_right noctuary_feedback_wrong"},
		{"paused", "noctuary_feedback_right noctuary_feedback_wrong"},
		{"acknowledged", "noctuary_approve noctuary_apply noctuary_feedback_right noctuary_feedback_wrong"},
		{"resolved", "noctuary_feedback_right noctuary_feedback_wrong"},
	}
	for _, tt := range tests {
		if got := strings.Join(actionIDs(Render(cases[tt.name])), " "); got != tt.want {
			t.Errorf("%s: buttons %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestButtonValuesAreOpaqueIDs(t *testing.T) {
	allowed := map[string]bool{"apr-rollback": true, "apr-flush": true, "Q1ABCDEF": true, "tri-01": true}
	for _, b := range Render(goldenCases()["action"]) {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if v := e.(*slack.ButtonBlockElement).Value; !allowed[v] {
					t.Errorf("button value %q is not an opaque ID", v)
				}
			}
		}
	}
}

func TestRenderRespectsLimits(t *testing.T) {
	tr := triage(noctuary.ModeAction)
	tr.Incident.Title = strings.Repeat("é", 400)
	tr.Hypothesis = strings.Repeat("h", 5000)
	for range 40 {
		tr.Signals = append(tr.Signals, noctuary.Signal{Event: noctuary.ContextEvent{Kind: "deploy", Source: "ci",
			OccurredAt: onset, Summary: strings.Repeat("s", 900), Link: "https://ci.example/" + strings.Repeat("x", 900)}})
	}
	m := Message{Triage: tr}
	for i := range 40 {
		m.Offers = append(m.Offers, Offer{ApprovalID: "apr-" + strings.Repeat("z", i), Action: strings.Repeat("a", 200), Destructive: i%2 == 0})
	}
	raw, err := json.Marshal(map[string][]slack.Block{"blocks": Render(m)})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Blocks []struct {
			Type     string
			Text     struct{ Text string }
			Elements []struct {
				Text    any // a string in context blocks, a text object in buttons
				Confirm *struct{ Title, Text struct{ Text string } }
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, b := range doc.Blocks {
		if n := len(b.Text.Text); n > maxSectionText || (b.Type == "header" && n > maxHeaderText) {
			t.Errorf("%s text is %d bytes", b.Type, n)
		}
		if b.Type == "actions" && len(b.Elements) > maxActionElems {
			t.Errorf("actions block has %d elements", len(b.Elements))
		}
		for _, e := range b.Elements {
			n := len(textOf(e.Text))
			if n > maxSectionText || (b.Type == "actions" && n > maxButtonText) {
				t.Errorf("%s element text is %d bytes", b.Type, n)
			}
			if c := e.Confirm; c != nil && (len(c.Title.Text) > maxConfirmHead || len(c.Text.Text) > maxConfirmText) {
				t.Errorf("confirm dialog too long: %d/%d", len(c.Title.Text), len(c.Text.Text))
			}
		}
	}
}

func textOf(v any) string {
	if m, ok := v.(map[string]any); ok {
		v = m["text"]
	}
	s, _ := v.(string)
	return s
}

func TestEscapeNeutralisesMentionsAndLinks(t *testing.T) {
	tr := triage(noctuary.ModeReadOnly)
	tr.Hypothesis = "<!channel> see <https://evil.example|here> & panic"
	tr.Incident.Title = "<!here> checkout"
	tr.Signals[0].Event.Summary = "a|b> <@U1>"
	tr.Signals[1].Event.Link = "!channel"
	raw, _ := json.Marshal(Render(Message{Triage: tr}))
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	texts := append(mrkdwnTexts(doc), Fallback(Message{Triage: tr}))
	for _, bad := range []string{"<!channel", "<https://evil", "<@U1>", "<!here>"} {
		for _, text := range texts {
			if strings.Contains(text, bad) {
				t.Errorf("mrkdwn %q contains %q", text, bad)
			}
		}
	}
}

// mrkdwnTexts returns the text of every mrkdwn object in a decoded JSON
// document: what Slack parses for mentions and links.
func mrkdwnTexts(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if text, ok := v["text"].(string); ok && v["type"] == "mrkdwn" {
			out = append(out, text)
		}
		for _, x := range v {
			out = append(out, mrkdwnTexts(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, mrkdwnTexts(x)...)
		}
	}
	return out
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 8, "abcde…"},
		{"ééééé", 6, "é…"},
		{"abc", 2, "…"},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestFallback(t *testing.T) {
	got := Fallback(Message{Triage: triage(noctuary.ModeAction)})
	want := "#1234 · Checkout 5xx above 5%: Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence: 94%)"
	if got != want {
		t.Errorf("Fallback = %q, want %q", got, want)
	}
}

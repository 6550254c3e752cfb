package gemini

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

func dataOf(t *testing.T, p prompt) promptData {
	t.Helper()
	return dataOfText(t, p.contents[0].Parts[0].Text)
}

// dataOfText decodes the data section of the prompt's user text.
func dataOfText(t *testing.T, user string) promptData {
	t.Helper()
	_, rest, _ := strings.Cut(user, beginData+"\n")
	data, _, _ := strings.Cut(rest, "\n"+endData)
	var d promptData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("data section: %v\n%s", err, user)
	}
	return d
}

func TestPromptBudget(t *testing.T) {
	many := func(n, summaryLen int) []noctuary.ContextEvent {
		var evs []noctuary.ContextEvent
		for i := range n {
			evs = append(evs, noctuary.ContextEvent{ID: fmt.Sprint(i), Service: "checkout", Kind: "error_rate",
				Source: "prometheus", OccurredAt: at("02:00:00"), Summary: strings.Repeat("x ", summaryLen/2)})
		}
		return evs
	}
	tests := []struct {
		name             string
		events           []noctuary.ContextEvent
		signals, omitted int
	}{
		{"seed fits", nil, 3, 0},
		{"at most 40 signals", many(60, 10), 40, 23},
		{"at most ~12k characters", many(60, 1000), 22, 41},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildPrompt(seedRequest(testService(), tt.events...))
			if err != nil {
				t.Fatal(err)
			}
			d := dataOf(t, p)
			if len(d.Signals) != tt.signals || d.Omitted != tt.omitted {
				t.Errorf("sent %d signals, omitted %d; want %d, %d", len(d.Signals), d.Omitted, tt.signals, tt.omitted)
			}
			for i, s := range d.Signals {
				if s.ID != fmt.Sprintf("s%d", i+1) || p.ids[i] != s.ID || len(s.Summary) > maxSummaryLen+3 {
					t.Errorf("signal %d: id %s (ids %q), summary %d bytes", i, s.ID, p.ids[i], len(s.Summary))
				}
			}
			for _, id := range p.ids[len(d.Signals):] {
				if id != "" {
					t.Errorf("an unsent signal has id %s", id)
				}
			}
			if n := len(p.contents[0].Parts[0].Text); n > maxDataChars+1000 {
				t.Errorf("user text is %d bytes", n)
			}
		})
	}
}

func TestPromptDocument(t *testing.T) {
	d, _, err := promptDocument(seedRequest(testService()))
	if err != nil {
		t.Fatal(err)
	}
	want := promptIncident{Title: "checkout 5xx rate high", Service: "checkout", Onset: "2026-11-23T02:14:50Z", Urgency: "high"}
	if d.Incident != want {
		t.Errorf("incident = %+v", d.Incident)
	}
	s := d.Signals[0]
	if s.ID != "s1" || s.Kind != "deploy" || s.Class != "change" || s.OccurredAt != "2026-11-23T02:10:41Z" ||
		s.MinutesBeforeOnset != 4.15 || s.Attributes["previous_sha"] != "f8b3e22" {
		t.Errorf("signal = %+v", s)
	}
}

func TestSchemaWithoutParams(t *testing.T) {
	svc := testService()
	svc.Actions = svc.Actions[1:]
	if s := answerSchema(svc); s.Properties["action_params"] != nil {
		t.Error("action_params must be left out when no action declares params (the API rejects empty OBJECTs)")
	}
	if !strings.Contains(instructions(noctuary.Service{Key: "x"}), `declares no actions: answer action "".`) {
		t.Error("instructions for a service without actions")
	}
}

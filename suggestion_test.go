package noctuary

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestOldTriageDecodesWithItsRecommendation: a triage stored before
// suggestions were kept decodes, and ranks its recommendation alone.
func TestOldTriageDecodesWithItsRecommendation(t *testing.T) {
	stored := `{"id":"tr_1","service":"checkout","engine":"heuristic","hypothesis":"h","confidence":0.9,` +
		`"recommendation":{"text":"Rollback to sha=f8b3e22","action":"rollback","params":{"sha":"f8b3e22"},"destructive":true},` +
		`"created_at":"2026-11-23T02:15:00Z"}`
	var tr Triage
	if err := json.Unmarshal([]byte(stored), &tr); err != nil {
		t.Fatal(err)
	}
	want := []Suggestion{{Recommendation: Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback",
		Params: map[string]string{"sha": "f8b3e22"}, Destructive: true}}}
	if got := tr.Ranked(); !reflect.DeepEqual(got, want) {
		t.Errorf("Ranked = %+v, want %+v", got, want)
	}
	if got := tr.Compact().Suggestions; got != nil {
		t.Errorf("Compact invented suggestions: %+v", got)
	}
}

// TestSuggestionJSON: a suggestion's recommendation fields sit next to its
// reason and evidence, and a triage round-trips.
func TestSuggestionJSON(t *testing.T) {
	s := Suggestion{Recommendation: Recommendation{Text: "Run flush-cache", Action: "flush-cache"}, Reason: "r",
		Evidence: []Evidence{{Label: "error_rate (prometheus, 02:14:45 UTC)", Link: "https://grafana.example/d/1"}}}
	raw, _ := json.Marshal(s)
	const want = `{"text":"Run flush-cache","action":"flush-cache","reason":"r","evidence":[{"label":"error_rate (prometheus, 02:14:45 UTC)","link":"https://grafana.example/d/1"}]}`
	if string(raw) != want {
		t.Errorf("JSON = %s\nwant %s", raw, want)
	}
	tr := Triage{ID: "tr_1", Recommendation: s.Recommendation, Suggestions: []Suggestion{s}}
	raw, _ = json.Marshal(tr)
	var back Triage
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back.Ranked(), tr.Suggestions) {
		t.Errorf("round trip = %+v, %v", back.Ranked(), err)
	}
}

func TestEvidenceOf(t *testing.T) {
	at := time.Date(2026, 11, 23, 3, 10, 41, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name, link, want string
	}{
		{"https link", "https://argocd.example/applications/checkout", "https://argocd.example/applications/checkout"},
		{"http link", "http://grafana.internal/d/x", "http://grafana.internal/d/x"},
		{"no link", "", ""},
		{"not a URL", "javascript:alert(1)", ""},
		{"a mention", "<!channel>", ""},
		{"too long to store", "https://x.example/" + strings.Repeat("a", 600), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EvidenceOf(ContextEvent{Kind: "deploy", Source: "argocd", OccurredAt: at, Link: tt.link})
			if got.Label != "deploy (argocd, 02:10:41 UTC)" || got.Link != tt.want {
				t.Errorf("EvidenceOf = %+v, want link %q", got, tt.want)
			}
		})
	}
}

// TestCompactBoundsSuggestions: at most MaxSuggestions, each with at most
// MaxSuggestionEvidence links and bounded text; idempotent.
func TestCompactBoundsSuggestions(t *testing.T) {
	long := strings.Repeat("x", 2000)
	ev := Evidence{Label: long, Link: "https://x.example/" + long}
	var ss []Suggestion
	for range 5 {
		ss = append(ss, Suggestion{Recommendation: Recommendation{Text: long}, Reason: long, Evidence: []Evidence{ev, ev, ev, ev}})
	}
	tr := Triage{Suggestions: ss}.Compact()
	if len(tr.Suggestions) != MaxSuggestions {
		t.Fatalf("%d suggestions kept, want %d", len(tr.Suggestions), MaxSuggestions)
	}
	for _, s := range tr.Suggestions {
		if len(s.Text) > maxSuggestionText || len(s.Reason) > maxSuggestionText || !strings.HasSuffix(s.Text, TruncationMark) {
			t.Errorf("text %d and reason %d bytes kept", len(s.Text), len(s.Reason))
		}
		if len(s.Evidence) != MaxSuggestionEvidence {
			t.Errorf("%d evidence kept", len(s.Evidence))
		}
		for _, e := range s.Evidence {
			if len(e.Label) > maxEvidenceLabel || e.Link != "" {
				t.Errorf("evidence %d bytes, link %q kept", len(e.Label), e.Link[:min(20, len(e.Link))])
			}
		}
	}
	if again := tr.Compact(); !reflect.DeepEqual(again.Suggestions, tr.Suggestions) {
		t.Error("Compact is not idempotent on suggestions")
	}
}

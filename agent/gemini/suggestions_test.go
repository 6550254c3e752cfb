package gemini

import (
	"slices"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
)

func withMore(ms ...map[string]any) string {
	a := validAnswer()
	a["more_suggestions"] = ms
	return answerJSON(a)
}

func TestMoreSuggestions(t *testing.T) {
	flush := map[string]any{"text": "Flush the page cache.", "reason": "The 5xx are cache misses (s2).", "signal_ids": []string{"s2"}, "action": "flush-cache"}
	advice := map[string]any{"text": "Look at postgres locks.", "reason": "The deadlock (s3) came first.", "signal_ids": []string{"s3"}, "action": ""}
	edit := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	tests := []struct {
		name string
		more []map[string]any
		want []string // texts kept
	}{
		{"kept", []map[string]any{flush, advice}, []string{"Flush the page cache.", "Look at postgres locks."}},
		{"at most two", []map[string]any{flush, advice, edit(advice, "text", "A third.")}, []string{"Flush the page cache.", "Look at postgres locks."}},
		{"undeclared action dropped", []map[string]any{edit(flush, "action", "drop-database"), advice}, []string{"Look at postgres locks."}},
		{"params of no declared param dropped", []map[string]any{edit(flush, "action_params", map[string]string{"sha": "f8b3e22"})}, nil},
		{"declared params kept", []map[string]any{edit(edit(flush, "action", "rollback"), "action_params", map[string]string{"sha": "0000000"})},
			[]string{"Flush the page cache."}},
		{"no cited signal dropped", []map[string]any{edit(flush, "signal_ids", []string{})}, nil},
		{"a signal not sent dropped", []map[string]any{edit(flush, "signal_ids", []string{"s9"})}, nil},
		{"no reason dropped", []map[string]any{edit(flush, "reason", " ")}, nil},
		{"the main step again dropped", []map[string]any{edit(edit(flush, "action", "rollback"), "action_params", map[string]string{"sha": "f8b3e22"})}, nil},
		{"too long dropped", []map[string]any{edit(advice, "text", strings.Repeat("x", maxSuggestionLen+1))}, nil},
	}
	req := seedRequest(testService())
	p, err := buildPrompt(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := decodeAnswer(withMore(tt.more...), p.ids, p.cause, req.Service)
			if err != nil {
				t.Fatalf("the answer was refused for its further suggestions: %v", err)
			}
			res := a.result("gemini-test", req, p.ids)
			var got []string
			for _, s := range res.Suggestions[1:] {
				got = append(got, s.Text)
				if len(s.Evidence) == 0 || s.Reason == "" {
					t.Errorf("suggestion %+v has no evidence or reason", s)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("kept %q, want %q", got, tt.want)
			}
			first := res.Suggestions[0]
			if first.Text != res.Recommendation.Text || first.Reason != "The OOMKill and the deadlock follow the deploy." || len(first.Evidence) != 2 {
				t.Errorf("first suggestion = %+v", first)
			}
		})
	}
}

// TestMoreSuggestionsThroughHypothesize: a flush-cache suggestion the model
// marks destructive: false comes out as the declaration says, and the
// answer passes the engine-neutral checks.
func TestMoreSuggestionsThroughHypothesize(t *testing.T) {
	svc := testService()
	svc.Actions[1].Destructive = true // declared destructive: the model cannot say otherwise
	req := seedRequest(svc)
	p, _ := buildPrompt(req)
	a, err := decodeAnswer(withMore(map[string]any{"text": "Flush.", "reason": "Cache (s2).", "signal_ids": []string{"s2"},
		"action": "flush-cache", "destructive": false}), p.ids, p.cause, svc)
	if err != nil {
		t.Fatal(err)
	}
	res := a.result("gemini-test", req, p.ids)
	if len(res.Suggestions) != 2 || !res.Suggestions[1].Destructive {
		t.Errorf("suggestions = %+v", res.Suggestions)
	}
	if res.Suggestions[1].Evidence[0] != noctuary.EvidenceOf(req.Correlation.Signals[slices.Index(p.ids, "s2")].Event) {
		t.Errorf("evidence = %+v", res.Suggestions[1].Evidence)
	}
}

func FuzzMoreSuggestions(f *testing.F) {
	f.Add([]byte(`[{"text":"Flush.","reason":"Cache (s2).","signal_ids":["s2"],"action":"flush-cache"}]`))
	f.Add([]byte(`[{"text":"x","reason":"y","signal_ids":["s1"],"action":"rollback","action_params":{"sha":"abc1234"}},{"text":"z","reason":"w","signal_ids":[],"action":""}]`))
	svc := testService()
	ids := []string{"s1", "s2", "s3", ""}
	base := answerJSON(validAnswer())
	f.Fuzz(func(t *testing.T, more []byte) {
		text := strings.TrimSuffix(base, "}") + `,"more_suggestions":` + string(more) + "}"
		a, err := decodeAnswer(text, ids, "s1", svc)
		if err != nil {
			return
		}
		if len(a.More) > noctuary.MaxSuggestions-1 {
			t.Errorf("%d further suggestions kept", len(a.More))
		}
		for _, m := range a.More {
			if _, err := agent.CheckAction(svc, m.Action, m.ActionParams); err != nil {
				t.Errorf("action accepted: %v", err)
			}
			if len(m.SignalIDs) == 0 || m.Text == "" || m.Reason == "" {
				t.Errorf("suggestion %+v accepted", m)
			}
			for _, id := range m.SignalIDs {
				if !slices.Contains(ids[:3], id) {
					t.Errorf("id %q accepted", id)
				}
			}
		}
	})
}

package gemini

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/noctuary/noctuary/agent"
)

func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(answerJSON(validAnswer())))
	f.Add([]byte(`{"hypothesis":"x","confidence":0,"signal_ids":[],"action":"","suggestion":"y"}`))
	f.Add([]byte(`{"verdict":"overturn","verdict_reason":"r","cause_id":"s2","hypothesis":"x","confidence":0.5,"signal_ids":["s2"],"action":"","suggestion":"y"}`))
	svc := testService()
	ids := []string{"s1", "s2", "s3", ""}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAnswer(string(data), ids, "s1", svc)
		if err != nil {
			return
		}
		if len(a.SignalIDs) == 0 || (a.CauseID != "" && !slices.Contains(a.SignalIDs, a.CauseID)) ||
			(a.Verdict == verdictConfirm) != (a.CauseID == "s1") || a.VerdictReason == "" {
			t.Errorf("verdict %q on s1 naming %q citing %q accepted", a.Verdict, a.CauseID, a.SignalIDs)
		}
		if *a.Confidence < 0 || *a.Confidence > 1 {
			t.Errorf("confidence %v accepted", *a.Confidence)
		}
		for s, max := range map[string]int{a.Hypothesis: maxHypothesisLen, a.Suggestion: maxSuggestionLen} {
			if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 || utf8.RuneCountInString(s) > max {
				t.Errorf("text %q accepted", s)
			}
		}
		for _, id := range a.SignalIDs {
			if id == "" || !slices.Contains(ids, id) {
				t.Errorf("id %q accepted", id)
			}
		}
		if _, err := agent.CheckAction(svc, a.Action, a.ActionParams); err != nil {
			t.Errorf("action accepted: %v", err)
		}
	})
}

func TestDecodeAnswerNormalises(t *testing.T) {
	a, err := decodeAnswer(`{"verdict":" confirm ","verdict_reason":"it\nfits","cause_id":"s1",`+
		`"hypothesis":"  Deploy\n sha=1 ","confidence":1,"signal_ids":["s1","s1"],`+
		`"action":" flush-cache ","action_params":{},"suggestion":"Flush\tit"}`, []string{"s1"}, "s1", testService())
	if err != nil {
		t.Fatal(err)
	}
	if a.Hypothesis != "Deploy sha=1" || a.Suggestion != "Flush it" || a.Action != "flush-cache" ||
		a.ActionParams != nil || !slices.Equal(a.SignalIDs, []string{"s1"}) || a.Verdict != "confirm" || a.VerdictReason != "it fits" {
		t.Errorf("answer = %+v", a)
	}
}

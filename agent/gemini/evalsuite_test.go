package gemini

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/eval"
)

// TestSuiteCausesReachThePrompt: in every scenario of the evaluation suite
// (testdata/eval), the true cause is among the signals the prompt sends the
// model (its data document), so an LLM always has it to choose.
func TestSuiteCausesReachThePrompt(t *testing.T) {
	scenarios, err := eval.Load(filepath.Join("..", "..", "testdata", "eval"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, s := range scenarios {
		if s.Expect.Cause == eval.NoCause {
			continue
		}
		req := s.Request(now)
		_, ids, err := promptDocument(req)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(req.Correlation.Signals, func(sig noctuary.Signal) bool { return sig.Event.ID == s.Expect.Cause })
		if i < 0 || ids[i] == "" {
			t.Errorf("%s: the true cause %s is not among the signals sent to the model", s.Name, s.Expect.Cause)
		}
	}
}

// TestSuiteThroughGemini runs a sample of the evaluation suite through the
// real Gemini client, the prompt and the answer's validation, against fake
// models: an oracle that knows each scenario's true cause names it,
// confirming or overturning the heuristic, and is right every time; a model
// that confirms the heuristic's choice changes nothing; one that cites a
// signal it was not sent is refused every time, leaving the heuristic's
// answer. Parallel: ~100 round trips through the client take seconds under
// the race detector.
func TestSuiteThroughGemini(t *testing.T) {
	t.Parallel()
	all, err := eval.Load(filepath.Join("..", "..", "testdata", "eval"))
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []eval.Scenario
	for i := 0; i < len(all); i += 4 {
		scenarios = append(scenarios, all[i])
	}
	ctx, now := context.Background(), time.Now()
	heuristic := eval.Run(ctx, scenarios, now)
	run := func(respond func(d promptData) string) eval.Report {
		f := &fakeGemini{}
		f.respond = func(body []byte) string {
			return respond(dataOfText(t, decodeSent(t, body).Contents[0].Parts[0].Text))
		}
		return eval.RunWith(ctx, scenarios, now, startFake(t, f))
	}

	t.Run("confirming model", func(t *testing.T) {
		r := run(confirming)
		for i, o := range r.Outcomes {
			h := heuristic.Outcomes[i]
			if o.Fallback != "" || o.Got != h.Got || o.Right() != h.Right() {
				t.Errorf("%s: got %s (fallback %q), heuristic %s", o.Name, o.Got, o.Fallback, h.Got)
			}
		}
	})
	t.Run("oracle", func(t *testing.T) {
		r := run(oracle(t, scenarios, now))
		for _, o := range r.Misses() {
			t.Errorf("%s: true cause %s not named (got %s, fallback %q)", o.Name, o.Expected, o.Got, o.Fallback)
		}
	})
	t.Run("citing an unsent signal", func(t *testing.T) {
		r := run(func(promptData) string {
			a := validAnswer()
			a["action"], a["action_params"], a["signal_ids"] = "", nil, []string{"s999"}
			return answerJSON(a)
		})
		for i, o := range r.Outcomes {
			h := heuristic.Outcomes[i]
			asked := o.Engine != h.Engine || o.Fallback != ""
			if o.Got != h.Got || (asked && !strings.Contains(o.Fallback, `cites signal "s999"`)) {
				t.Errorf("%s: got %s (engine %s, fallback %q), want the heuristic's %s", o.Name, o.Got, o.Engine, o.Fallback, h.Got)
			}
		}
	})
}

// confirming is a model that confirms the heuristic's choice in its words,
// shortened to the length the prompt allows (some heuristic hypotheses,
// listing what was ranked below, are longer).
func confirming(d promptData) string {
	cite := d.Heuristic.Cause
	if cite == "" {
		cite = d.Signals[0].ID
	}
	hyp := d.Heuristic.Hypothesis
	if len(hyp) > maxHypothesisLen {
		hyp = hyp[:strings.LastIndex(hyp[:maxHypothesisLen-1], " ")] + "."
	}
	return answerJSON(map[string]any{"verdict": "confirm", "verdict_reason": "The ranking holds.",
		"cause_id": d.Heuristic.Cause, "hypothesis": hyp, "confidence": d.Heuristic.Confidence,
		"signal_ids": []string{cite}, "suggestion": "Look at the cited signal first."})
}

// oracle is a model that knows each scenario's true cause (found by the
// incident's title) and names it with the words the scenario expects.
func oracle(t *testing.T, scenarios []eval.Scenario, now time.Time) func(promptData) string {
	byTitle := map[string]eval.Scenario{}
	for _, s := range scenarios {
		if _, dup := byTitle[s.Incident.Title]; dup {
			t.Fatalf("two scenarios have the title %q: the oracle cannot tell them apart", s.Incident.Title)
		}
		byTitle[s.Incident.Title] = s
	}
	return func(d promptData) string {
		s := byTitle[d.Incident.Title]
		cause := ""
		for _, e := range s.Events {
			at := now.Add(time.Duration(s.Incident.Onset) + time.Duration(e.At)).UTC().Format(time.RFC3339)
			for _, sig := range d.Signals {
				if e.ID == s.Expect.Cause && sig.Service == e.Service && sig.Kind == e.Kind && sig.OccurredAt == at {
					cause = sig.ID
				}
			}
		}
		verdict, cite := "overturn", cause
		if cause == d.Heuristic.Cause {
			verdict = "confirm"
		}
		if cite == "" {
			cite = d.Signals[0].ID
		}
		return answerJSON(map[string]any{"verdict": verdict, "verdict_reason": "The evidence points there.",
			"cause_id": cause, "hypothesis": "The cause: " + strings.Join(append([]string{"see the cited signal"}, s.Expect.Mentions...), ", "),
			"confidence": 0.9, "signal_ids": []string{cite}, "suggestion": "Look at the cited signal first."})
	}
}

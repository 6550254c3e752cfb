package gemini

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent"
	"google.golang.org/genai"
)

// Limits on the model's answer.
const (
	maxAnswerBytes   = 64 << 10
	maxHypothesisLen = 300
	maxSuggestionLen = 500
	maxReasonLen     = 200
)

// Verdicts on the heuristic's choice.
const (
	verdictConfirm  = "confirm"
	verdictOverturn = "overturn"
)

// answer is the model's structured answer, as the schema describes it.
type answer struct {
	Verdict       string            `json:"verdict"`
	VerdictReason string            `json:"verdict_reason"`
	CauseID       string            `json:"cause_id"`
	Hypothesis    string            `json:"hypothesis"`
	Confidence    *float64          `json:"confidence"`
	SignalIDs     []string          `json:"signal_ids"`
	Action        string            `json:"action"`
	ActionParams  map[string]string `json:"action_params"`
	Suggestion    string            `json:"suggestion"`
	// More are further suggestions, optional; those that fail validation
	// are dropped (keptMore).
	More []more `json:"more_suggestions"`
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{agent.ErrInvalidAnswer}, args...)...)
}

// answerText returns the text of the first candidate, refusing blocked,
// truncated or otherwise unfinished answers.
func answerText(resp *genai.GenerateContentResponse) (string, error) {
	if resp == nil || len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		if resp != nil && resp.PromptFeedback != nil && resp.PromptFeedback.BlockReason != "" {
			return "", invalid("prompt blocked (%s)", resp.PromptFeedback.BlockReason)
		}
		return "", invalid("no candidates")
	}
	c := resp.Candidates[0]
	if c.FinishReason != "" && c.FinishReason != genai.FinishReasonStop {
		return "", invalid("finish reason %s", c.FinishReason)
	}
	var b strings.Builder
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			if p != nil && !p.Thought {
				b.WriteString(p.Text)
			}
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", invalid("empty answer")
	}
	return b.String(), nil
}

// decodeAnswer parses and validates the model's answer: one JSON object,
// a non-empty hypothesis and suggestion, a confidence in [0, 1], at least
// one cited id, all among those sent (ids[i] == "" was not sent), a verdict
// on the heuristic's cause (heuristic, "" for none) that agrees with the
// cause named, and no action but a declared one with exactly its declared
// params. Further suggestions that fail are dropped (keptMore).
func decodeAnswer(text string, ids []string, heuristic string, svc noctuary.Service) (answer, error) {
	var a answer
	if len(text) > maxAnswerBytes {
		return a, invalid("answer is %d bytes long", len(text))
	}
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&a); err != nil {
		return a, invalid("not the JSON object asked for: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return a, invalid("data after the JSON object")
	}
	var err error
	if a.Hypothesis, err = sentence("hypothesis", a.Hypothesis, maxHypothesisLen); err != nil {
		return a, err
	}
	if a.Suggestion, err = sentence("suggestion", a.Suggestion, maxSuggestionLen); err != nil {
		return a, err
	}
	if a.Confidence == nil || *a.Confidence < 0 || *a.Confidence > 1 {
		return a, invalid("confidence %s is outside [0, 1]", confidenceText(a.Confidence))
	}
	if a.SignalIDs, err = citedIDs(a.SignalIDs, ids); err != nil {
		return a, err
	}
	a.Action = strings.TrimSpace(a.Action)
	if len(a.ActionParams) == 0 {
		a.ActionParams = nil
	}
	if _, err := agent.CheckAction(svc, a.Action, a.ActionParams); err != nil {
		return a, invalid("%v", err)
	}
	a.More = keptMore(a.More, a, ids, svc)
	return a, a.checkVerdict(heuristic)
}

// sentence collapses whitespace (newlines included), drops other control
// characters and checks the length.
func sentence(field, s string, max int) (string, error) {
	s = strings.Join(strings.Fields(strings.Map(dropControl, s)), " ")
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", invalid("empty %s", field)
	case n > max:
		return "", invalid("%s is %d characters long; at most %d are allowed", field, n, max)
	}
	return s, nil
}

func dropControl(r rune) rune {
	if unicode.IsControl(r) && !unicode.IsSpace(r) {
		return -1
	}
	return r
}

func confidenceText(c *float64) string {
	if c == nil {
		return "(missing)"
	}
	return fmt.Sprint(*c)
}

// checkVerdict: a verdict with a reason; "confirm" names the heuristic's
// cause, "overturn" another one (or none); a named cause is cited.
func (a *answer) checkVerdict(heuristic string) error {
	var err error
	if a.VerdictReason, err = sentence("verdict_reason", a.VerdictReason, maxReasonLen); err != nil {
		return err
	}
	a.Verdict, a.CauseID = strings.TrimSpace(a.Verdict), strings.TrimSpace(a.CauseID)
	switch {
	case a.Verdict != verdictConfirm && a.Verdict != verdictOverturn:
		return invalid("verdict %q is neither %s nor %s", clip(a.Verdict, 40), verdictConfirm, verdictOverturn)
	case a.CauseID != "" && !slices.Contains(a.SignalIDs, a.CauseID):
		return invalid("names cause %q but does not cite it", clip(a.CauseID, 40))
	case a.Verdict == verdictConfirm && a.CauseID != heuristic:
		return invalid("confirms the heuristic's cause %q but names %q", heuristic, clip(a.CauseID, 40))
	case a.Verdict == verdictOverturn && a.CauseID == heuristic:
		return invalid("overturns the heuristic's cause %q but names it again", heuristic)
	}
	return nil
}

// citedIDs checks at least one id is cited, every cited id was sent, and
// drops repeats: no hypothesis without a cited signal.
func citedIDs(cited, ids []string) ([]string, error) {
	if len(cited) == 0 {
		return nil, invalid("cites no signal")
	}
	var out []string
	for _, id := range cited {
		if id == "" || !slices.Contains(ids, id) {
			return nil, invalid("cites signal %q, which was not sent", clip(id, 40))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// result turns a valid answer into the engine's result: the cause, then
// the other cited signals, then the others in rank order. An overturned
// choice says so in the hypothesis, with the model's reason.
func (a answer) result(model string, req agent.Request, ids []string) agent.Result {
	spec, _ := req.Service.Action(a.Action)
	hyp := a.Hypothesis
	if a.Verdict == verdictOverturn {
		hyp += " (overturns the heuristic's choice: " + a.VerdictReason + ")"
	}
	res := agent.Result{
		Engine:     model,
		Hypothesis: hyp,
		Confidence: *a.Confidence,
		Recommendation: noctuary.Recommendation{Text: a.Suggestion, Action: a.Action, Params: a.ActionParams,
			Destructive: a.Action != "" && spec.Destructive},
	}
	sigs := req.Correlation.Signals
	cited := a.SignalIDs
	if a.CauseID != "" {
		cause := sigs[slices.Index(ids, a.CauseID)]
		res.Cause = &cause
		cited = append([]string{a.CauseID}, slices.DeleteFunc(slices.Clone(cited), func(id string) bool { return id == a.CauseID })...)
	}
	res.Cited = len(cited)
	res.Suggestions = a.suggestions(req, ids, res.Recommendation, cited)
	for _, id := range cited {
		res.Signals = append(res.Signals, sigs[slices.Index(ids, id)])
	}
	for i, s := range sigs {
		if !slices.Contains(cited, ids[i]) {
			res.Signals = append(res.Signals, s)
		}
	}
	return res
}

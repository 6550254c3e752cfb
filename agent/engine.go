package agent

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// DefaultLLMTimeout is how long Hypothesize waits for the primary engine
// when no timeout is given (NOCTUARY_LLM_TIMEOUT's default).
const DefaultLLMTimeout = 10 * time.Second

// Request is what an engine needs to hypothesize about one incident.
type Request struct {
	Incident    noctuary.Incident
	Service     noctuary.Service
	Onset       time.Time
	Correlation Correlation
}

// Result is an engine's hypothesis about an incident.
type Result struct {
	// Engine is "heuristic" or the LLM's model name: the note's footer.
	Engine     string
	Hypothesis string
	Confidence float64
	// Recommendation always has Text; Action only when a declared action fits.
	Recommendation noctuary.Recommendation
	// Suggestions are the ranked next steps, the Recommendation first (see
	// Suggest); empty when the engine gives only the Recommendation.
	Suggestions []noctuary.Suggestion
	// Signals are the correlated signals, those the hypothesis rests on first.
	Signals []noctuary.Signal
	// Cause is the signal the hypothesis names as the likely cause; nil when
	// it names none (no context, nothing to blame) or the engine does not say.
	// The evaluation suite (agent/eval) scores engines by it.
	Cause *noctuary.Signal
	// Cited is how many of the first Signals the hypothesis rests on.
	Cited int
	// NoContext is true when no ContextEvents fell in the window.
	NoContext bool
	// FallbackReason says why the primary engine's answer was not used.
	FallbackReason string
	// FallbackKind classifies FallbackReason for metrics: one of the
	// Fallback* constants, "" when the primary engine's answer was used or
	// it was not asked.
	FallbackKind string
}

// Kinds of fallback to the heuristic hypothesis (the reason label of
// noctuary_llm_fallbacks_total).
const (
	FallbackError       = "error"
	FallbackTimeout     = "timeout"
	FallbackRateLimited = "rate_limited"
	FallbackInvalid     = "invalid"
)

// Engine writes a hypothesis for a triage request.
type Engine interface {
	Name() string
	Hypothesize(ctx context.Context, req Request) (Result, error)
}

// ErrInvalidAnswer marks an engine's answer that failed validation; engines
// wrap it with the detail ("answer invalid: confidence 1.7 is outside [0, 1]").
var ErrInvalidAnswer = errors.New("answer invalid")

// ErrRateLimited marks an engine's error when its API refused the request
// for its rate limit or quota (HTTP 429); engines wrap it.
var ErrRateLimited = errors.New("rate limited")

var errTimedOut = errors.New("timed out")

// Hypothesize asks primary for a hypothesis, giving it timeout (default
// DefaultLLMTimeout), and returns the heuristic's instead when primary is
// nil, the service opted out of the LLM, there are no signals to reason
// about, or primary errs, times out or answers something invalid; in the
// last three cases FallbackReason says why.
func Hypothesize(ctx context.Context, primary Engine, req Request, timeout time.Duration) Result {
	fallback := Heuristic(req)
	fallback.Suggestions = Suggest(fallback, req)
	if primary == nil || !req.Service.LLM || len(req.Correlation.Signals) == 0 {
		return fallback
	}
	if timeout <= 0 {
		timeout = DefaultLLMTimeout
	}
	res, err := callWithTimeout(ctx, primary, req, timeout)
	if err == nil {
		err = checkResult(req.Service, &res)
	}
	switch {
	case errors.Is(err, errTimedOut):
		fallback.FallbackReason = fmt.Sprintf("%s timed out after %s", primary.Name(), timeout)
		fallback.FallbackKind = FallbackTimeout
	case errors.Is(err, ErrInvalidAnswer):
		fallback.FallbackReason = truncate(primary.Name()+" "+err.Error(), 300)
		fallback.FallbackKind = FallbackInvalid
	case err != nil:
		fallback.FallbackReason = truncate(primary.Name()+": "+err.Error(), 300)
		fallback.FallbackKind = FallbackError
		if errors.Is(err, ErrRateLimited) {
			fallback.FallbackKind = FallbackRateLimited
		}
	default:
		if res.Engine == "" {
			res.Engine = primary.Name()
		}
		return res
	}
	return fallback
}

// callWithTimeout returns by the deadline even if e ignores its context,
// and turns a panic of e into an error (it runs on its own goroutine, where
// the worker's recover cannot reach).
func callWithTimeout(ctx context.Context, e Engine, req Request, timeout time.Duration) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		res Result
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		var a answer
		defer func() {
			if r := recover(); r != nil {
				a = answer{err: fmt.Errorf("panicked: %v", r)}
			}
			ch <- a
		}()
		a.res, a.err = e.Hypothesize(ctx, req)
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		a.err = ctx.Err()
	}
	if a.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Result{}, errTimedOut
	}
	return a.res, a.err
}

// checkResult rejects an answer that breaks the note's invariants and sets
// the recommendation's Destructive from the declared action.
func checkResult(svc noctuary.Service, res *Result) error {
	rec := &res.Recommendation
	switch {
	case strings.TrimSpace(res.Hypothesis) == "":
		return fmt.Errorf("%w: empty hypothesis", ErrInvalidAnswer)
	case math.IsNaN(res.Confidence) || res.Confidence < 0 || res.Confidence > 1:
		return fmt.Errorf("%w: confidence %v is outside [0, 1]", ErrInvalidAnswer, res.Confidence)
	case strings.TrimSpace(rec.Text) == "":
		return fmt.Errorf("%w: empty recommendation", ErrInvalidAnswer)
	}
	spec, err := CheckAction(svc, rec.Action, rec.Params)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAnswer, err)
	}
	rec.Destructive = rec.Action != "" && spec.Destructive
	return checkSuggestions(svc, res)
}

// checkSuggestions rejects suggestions that are too many, empty, or name
// an action the service does not declare (with exactly its params), and
// sets each one's Destructive from the declared action; the first must be
// the recommendation.
func checkSuggestions(svc noctuary.Service, res *Result) error {
	ss := res.Suggestions
	switch {
	case len(ss) == 0:
		return nil
	case len(ss) > noctuary.MaxSuggestions:
		return fmt.Errorf("%w: %d suggestions; at most %d", ErrInvalidAnswer, len(ss), noctuary.MaxSuggestions)
	case ss[0].Text != res.Recommendation.Text || !sameStep(ss[0], noctuary.Suggestion{Recommendation: res.Recommendation}):
		return fmt.Errorf("%w: the first suggestion is not the recommendation", ErrInvalidAnswer)
	}
	for i := range ss {
		s := &ss[i]
		if strings.TrimSpace(s.Text) == "" {
			return fmt.Errorf("%w: suggestion %d is empty", ErrInvalidAnswer, i+1)
		}
		spec, err := CheckAction(svc, s.Action, s.Params)
		if err != nil {
			return fmt.Errorf("%w: suggestion %d: %w", ErrInvalidAnswer, i+1, err)
		}
		s.Destructive = s.Action != "" && spec.Destructive
	}
	return nil
}

// CheckAction accepts action "" with no params, or an action the service
// declares with exactly its declared params, each a valid target (see
// ValidTarget: never free text); it returns the action's spec.
func CheckAction(svc noctuary.Service, action string, params map[string]string) (noctuary.ActionSpec, error) {
	if action == "" {
		if len(params) > 0 {
			return noctuary.ActionSpec{}, errors.New("params given without an action")
		}
		return noctuary.ActionSpec{}, nil
	}
	spec, ok := svc.Action(action)
	if !ok {
		return spec, fmt.Errorf("action %q is not declared for service %s", truncate(action, 60), svc.Key)
	}
	for k := range params {
		if !slices.Contains(spec.Params, k) {
			return spec, fmt.Errorf("action %s has no param %q", action, truncate(k, 60))
		}
	}
	for _, p := range spec.Params {
		v, ok := params[p]
		switch {
		case !ok:
			return spec, fmt.Errorf("action %s needs param %s", action, p)
		case !ValidTarget(p, v):
			return spec, fmt.Errorf("param %s must be %s", p, targetShape(p))
		}
	}
	return spec, nil
}

// truncate cuts s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

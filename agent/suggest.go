package agent

import (
	"fmt"
	"maps"
	"slices"

	"github.com/noctuary/noctuary"
)

// Suggest ranks up to noctuary.MaxSuggestions next steps for res, the
// heuristic's result about req: its recommendation first, resting on the
// cause (or the first cited signal); then the remedies of the runner-up
// candidate causes in rank order (undo a change, as a declared action when
// one fits; look at a failure, or at the dependency it came from), and the
// service's declared actions without params whose names match a failure
// signal ("flush-cache" for a cache failure): the best runner-up, the best
// matching action, then the others. A step already suggested (the
// same action and params, or the same text) is not repeated. It changes
// neither the cause nor the recommendation.
func Suggest(res Result, req Request) []noctuary.Suggestion {
	first := noctuary.Suggestion{Recommendation: res.Recommendation, Reason: "no ContextEvents in the correlation window"}
	cause := res.Cause
	if cause == nil && res.Cited > 0 && len(res.Signals) > 0 {
		cause = &res.Signals[0]
	}
	if cause != nil {
		first.Reason = leadReason(*cause, res.Cause != nil)
		first.Evidence = []noctuary.Evidence{noctuary.EvidenceOf(cause.Event)}
	}
	out := []noctuary.Suggestion{first}
	add := func(s noctuary.Suggestion) {
		if len(out) < noctuary.MaxSuggestions && !slices.ContainsFunc(out, func(o noctuary.Suggestion) bool { return sameStep(o, s) }) {
			out = append(out, s)
		}
	}
	// A storm's window holds hundreds of candidates and the list keeps
	// three: runner-ups are written as they are needed, not all first.
	var runners []noctuary.Suggestion
	next := 0
	runner := func(k int) (noctuary.Suggestion, bool) {
		for ; len(runners) <= k && next < len(req.Correlation.Signals); next++ {
			if s := &req.Correlation.Signals[next]; s.Score >= candidateFloor && (cause == nil || ranksBefore(s, cause) != 0) {
				runners = append(runners, runnerUp(*s, req.Service))
			}
		}
		if k < len(runners) {
			return runners[k], true
		}
		return noctuary.Suggestion{}, false
	}
	actions := matchingActions(req)
	// The best of each kind first, so that a matching action is not
	// crowded out by a long list of runner-ups.
	if s, ok := runner(0); ok {
		add(s)
	}
	if len(actions) > 0 {
		add(actions[0])
	}
	for k := 0; len(out) < noctuary.MaxSuggestions; k++ {
		s, ok := runner(k)
		if !ok {
			break
		}
		add(s)
	}
	for _, s := range actions {
		add(s)
	}
	return out
}

// leadReason says why the first suggestion is made: its cause, or the
// signal the hypothesis rests on.
func leadReason(s noctuary.Signal, isCause bool) string {
	what := "strongest signal"
	if isCause {
		what = "top-ranked cause"
	}
	return fmt.Sprintf("%s: %s, score %.2f", what, eventRef(s.Event), s.Score)
}

// runnerUp is the remedy of a runner-up candidate: undo its change, or look
// at its failure (first at the dependency it came from).
func runnerUp(s noctuary.Signal, svc noctuary.Service) noctuary.Suggestion {
	e := s.Event
	out := noctuary.Suggestion{Reason: fmt.Sprintf("runner-up cause: %s, score %.2f", eventRef(e), s.Score),
		Evidence: []noctuary.Evidence{noctuary.EvidenceOf(e)}}
	switch {
	case s.Class == noctuary.ClassChange:
		out.Recommendation = recommend(e, groupOf(e.Kind), svc)
	case !ownEvent(e, svc):
		out.Text = fmt.Sprintf("Check the dependency %s: its %s in %s at %s UTC came before onset%s", e.Service,
			noctuary.QuoteName(e.Kind), noctuary.QuoteName(e.Source), clock(e.OccurredAt), detail(e))
	default:
		out.Text = fmt.Sprintf("Investigate the %s in %s at %s UTC%s", noctuary.QuoteName(e.Kind),
			noctuary.QuoteName(e.Source), clock(e.OccurredAt), detail(e))
	}
	return out
}

// matchingActions are the service's declared actions without params whose
// name shares a significant word, other than the service's own, with a
// failure signal of the window (its kind, source, service, summary or
// attribute values), each resting on the best such signal.
func matchingActions(req Request) []noctuary.Suggestion {
	var out []noctuary.Suggestion
	for _, a := range req.Service.Actions {
		if len(a.Params) > 0 {
			continue
		}
		words := tokens(a.Name)
		maps.DeleteFunc(words, func(w string, _ bool) bool { return tokens(req.Service.Key)[w] })
		for _, s := range req.Correlation.Signals {
			if s.Class != noctuary.ClassFailure || !sharesWord(words, symptomTokens(noctuary.Incident{}, []noctuary.Signal{s})) {
				continue
			}
			out = append(out, noctuary.Suggestion{
				Recommendation: noctuary.Recommendation{Text: runText(a), Action: a.Name, Destructive: a.Destructive},
				Reason:         fmt.Sprintf("declared action %s matches the %s", a.Name, eventRef(s.Event)),
				Evidence:       []noctuary.Evidence{noctuary.EvidenceOf(s.Event)},
			})
			break
		}
	}
	return out
}

// runText is "Run flush-cache: Flush the checkout page cache".
func runText(a noctuary.ActionSpec) string {
	if a.Description == "" {
		return "Run " + a.Name
	}
	return "Run " + a.Name + ": " + a.Description
}

func sharesWord(a, b map[string]bool) bool {
	for w := range a {
		if b[w] {
			return true
		}
	}
	return false
}

// sameStep reports whether two suggestions suggest the same thing: the same
// declared action with the same params, or the same advice.
func sameStep(a, b noctuary.Suggestion) bool {
	if a.Action != "" || b.Action != "" {
		return a.Action == b.Action && maps.Equal(a.Params, b.Params)
	}
	return a.Text == b.Text
}

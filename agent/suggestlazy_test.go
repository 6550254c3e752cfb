package agent

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestSuggestLazyMatchesEager checks, on random dense windows (a new seed
// each run, logged), that Suggest, which writes runner-ups only until the
// list is full, returns what writing every candidate's runner-up first and
// then keeping the first MaxSuggestions distinct steps returns.
func TestSuggestLazyMatchesEager(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for w := range 8 {
		services := 1 + r.IntN(4)
		svc := denseService(services - 1)
		// Declared actions named after the dense windows' words, so that
		// matchingActions finds some in most windows.
		for _, name := range []string{"restart-pods", "flush-cache", "rollback-deploy", "failover-db"}[:r.IntN(5)] {
			svc.Actions = append(svc.Actions, noctuary.ActionSpec{Name: name})
		}
		req := NewRequest(seedIncident(), svc, seedOnset, denseWindow(seed+uint64(w), 100+r.IntN(400), services, seedOnset), CorrelateOptions{Window: DefaultWindow, After: DefaultAfter})
		res := Heuristic(req)
		if got, want := Suggest(res, req), eagerSuggest(res, req); !reflect.DeepEqual(got, want) {
			t.Fatalf("window %d (%d signals): Suggest = %+v, want %+v", w, len(req.Correlation.Signals), got, want)
		}
	}
}

// eagerSuggest is Suggest as it was before runner-ups were written lazily.
func eagerSuggest(res Result, req Request) []noctuary.Suggestion {
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
	var runners []noctuary.Suggestion
	for _, s := range req.Correlation.Signals {
		if s.Score >= candidateFloor && (cause == nil || ranksBefore(&s, cause) != 0) {
			runners = append(runners, runnerUp(s, req.Service))
		}
	}
	actions := matchingActions(req)
	for _, s := range slices.Concat(runners[:min(1, len(runners))], actions[:min(1, len(actions))], runners, actions) {
		if len(out) < noctuary.MaxSuggestions && !slices.ContainsFunc(out, func(o noctuary.Suggestion) bool { return sameStep(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

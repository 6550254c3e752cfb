package agent

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Confidence bounds of the heuristic: a change followed by failure signals
// may reach maxConfidence; weaker evidence is capped lower.
const (
	maxConfidence       = 0.95
	maxQuietChange      = 0.60 // a change that no failure signal followed
	maxInfraFailure     = 0.80 // an infrastructure failure, no change
	maxFirstFailure     = 0.70 // the first failure, no change before it
	maxQuietFailure     = 0.50 // either, when no failure signal followed
	maxNoCandidate      = 0.30 // no candidate: the strongest symptom only
	maxSayso            = 0.40 // a change innocuous by its own account, nothing else
	maxInfoOnly         = 0.20
	noContextConfidence = 0.10
	// closeRace: when the runner-up candidate scores within this of the top
	// one, confidence drops by the difference.
	closeRace = 0.20
	// maxRankedBelow is how many innocuous changes the hypothesis names.
	maxRankedBelow = 2
)

// Heuristic is the built-in engine: it explains the incident by the
// top-ranked candidate cause (a change that counts, or a failure before
// onset that nothing explains; see Correlate), corroborated by the failure
// signals after it, and says which changes it ranked below and why. It never
// fails and needs no network. Its Cause, when set, is the correlation's
// first signal. The LLM engine is asked to confirm or overturn its choice.
func Heuristic(req Request) Result {
	sigs := req.Correlation.Signals
	res := Result{Engine: noctuary.EngineHeuristic, Signals: sigs}
	if len(sigs) == 0 {
		return noContext(req, res)
	}
	if top := sigs[0]; top.Score >= candidateFloor {
		if top.Class == noctuary.ClassChange {
			explainChange(&res, req)
		} else {
			explainFailure(&res, req)
		}
		res.Hypothesis += rankedBelow(req)
		res.Confidence = confidence(sigs, res.Confidence)
		cause := sigs[0]
		res.Cause = &cause
		cite(&res, sigs, 0)
		return res
	}
	if i := onlyBySayso(sigs); i >= 0 {
		explainSayso(&res, req, i)
		return res
	}
	// Without a candidate, the hypothesis rests on the strongest failure
	// signal, or on the top-ranked event.
	for i, s := range sigs {
		if s.Class == noctuary.ClassFailure {
			cite(&res, sigs, i)
			res.Confidence = round2(math.Min(maxNoCandidate, s.Score))
			res.Hypothesis = fmt.Sprintf("No change in the %s before onset%s; the strongest signal is %s",
				minutes(req.Correlation.Window()), countsNote(req), eventRef(s.Event))
			res.Recommendation.Text = fmt.Sprintf("Investigate the %s in %s at %s UTC%s", noctuary.QuoteName(s.Event.Kind),
				noctuary.QuoteName(s.Event.Source), clock(s.Event.OccurredAt), detail(s.Event))
			return res
		}
	}
	top := sigs[0]
	cite(&res, sigs, 0)
	res.Confidence = round2(math.Min(maxInfoOnly, top.Score))
	res.Hypothesis = fmt.Sprintf("No change before onset%s and no failure signal among the %d event(s) "+
		"around onset; the cause is likely outside recent changes", countsNote(req), len(sigs))
	res.Recommendation.Text = fmt.Sprintf("Check the dashboards and logs of %s and its dependencies; "+
		"the nearest event is %s", serviceName(req), eventRef(top.Event))
	return res
}

// onlyBySayso returns the index of the best change that is innocuous only
// by its own account ("it says it changed only metrics"), or -1: with no
// candidate, it is still the change most likely to have caused the failures.
func onlyBySayso(sigs []noctuary.Signal) int {
	for i, s := range sigs {
		if s.Class == noctuary.ClassChange && reasonOf(s, "ranked below: "+says) != "" {
			return i
		}
	}
	return -1
}

// explainSayso blames change i, though it says it is innocuous, with low
// confidence.
func explainSayso(res *Result, req Request, i int) {
	sigs := req.Correlation.Signals
	cause := sigs[i]
	e := cause.Event
	g := groupOf(e.Kind)
	res.Hypothesis = fmt.Sprintf("%s%s %s %s%s; no other change counts, though %s", describe(e, g, req.Service),
		whatChanged(e), g.verb, before(req.Onset.Sub(e.OccurredAt)), said(e),
		strings.TrimPrefix(reasonOf(cause, "ranked below: "), "ranked below: "))
	res.Confidence = round2(math.Min(maxSayso, cause.Score+maxSayso))
	res.Recommendation = recommend(e, g, req.Service)
	cite(res, sigs, i)
	res.Cause = &res.Signals[0]
}

// noContext is the honest answer when no event fell in the window: it names
// the services searched and the exact window.
func noContext(req Request, res Result) Result {
	c := req.Correlation
	svc := serviceName(req)
	searched := svc + ", which declares no dependencies,"
	if deps := req.Service.Dependencies; len(deps) > 0 {
		searched = fmt.Sprintf("%s or its dependencies (%s)", svc, strings.Join(deps, ", "))
	}
	res.NoContext = true
	res.Confidence = noContextConfidence
	res.Hypothesis = fmt.Sprintf("No ContextEvents for %s in the %s before onset or the %s after "+
		"(%s to %s UTC); the cause is likely outside recent changes", searched, minutes(c.Window()),
		minutes(c.To.Sub(c.Onset)), clock(c.From), clock(c.To))
	res.Recommendation.Text = fmt.Sprintf("Check the dashboards and logs of %s, its dependencies and "+
		"providers; send deploys and config changes to /v1/events so the next triage has context", svc)
	return res
}

// confidence caps the cause's confidence at limit and its score, lowered
// when the runner-up candidate is close.
func confidence(sigs []noctuary.Signal, limit float64) float64 {
	conf := math.Min(limit, sigs[0].Score)
	if len(sigs) > 1 && sigs[1].Score >= candidateFloor {
		if margin := sigs[0].Score - sigs[1].Score; margin < closeRace {
			conf -= closeRace - margin
		}
	}
	return round2(math.Max(0, conf))
}

// explainChange names the top change, what it changed, and why it was
// preferred; res.Confidence is set to the cap that confidence applies.
func explainChange(res *Result, req Request) {
	cause := req.Correlation.Signals[0]
	e := cause.Event
	g := groupOf(e.Kind)
	res.Hypothesis = fmt.Sprintf("%s%s %s %s%s%s", describe(e, g, req.Service), whatChanged(e), g.verb,
		before(req.Onset.Sub(e.OccurredAt)), said(e), pointsAt(cause))
	res.Confidence = maxQuietChange
	if failuresAfter(e.OccurredAt, req.Correlation.Signals) > 0 {
		res.Confidence = maxConfidence
	}
	res.Recommendation = recommend(e, g, req.Service)
}

// explainFailure names the failure that nothing explains: an infrastructure
// failure, or the first failure when no change came before it.
func explainFailure(res *Result, req Request) {
	cause := req.Correlation.Signals[0]
	e := cause.Event
	what, limit := "First failure, with no change before it", maxFirstFailure
	if reasonOf(cause, "infrastructure failure") != "" {
		what, limit = "Infrastructure failure", maxInfraFailure
	}
	if failuresAfter(e.OccurredAt, req.Correlation.Signals) == 0 {
		limit = maxQuietFailure
	}
	res.Hypothesis = fmt.Sprintf("%s: %s of %s %s%s%s", what, noctuary.QuoteName(e.Kind), e.Service,
		before(req.Onset.Sub(e.OccurredAt)), detail(e), pointsAt(cause))
	res.Confidence = limit
	res.Recommendation.Text = fmt.Sprintf("Investigate the %s of %s in %s at %s UTC first: the failures after it "+
		"likely follow from it%s", noctuary.QuoteName(e.Kind), e.Service, noctuary.QuoteName(e.Source),
		clock(e.OccurredAt), detail(e))
}

// pointsAt is "; TLS symptoms (handshake) point at it" when a domain rule
// preferred the cause, and "; the failures name vault" when other
// services' failures name its service, else "".
func pointsAt(s noctuary.Signal) string {
	out := ""
	for _, part := range []string{"point at it", "the failures name "} {
		if r := reasonOf(s, part); r != "" {
			out += "; " + r
		}
	}
	return out
}

// rankedBelow is "; ranked below: terraform_apply (terraform, 02:10:00 UTC),
// it reported no changes", naming the latest innocuous changes.
func rankedBelow(req Request) string {
	sigs := req.Correlation.Signals
	named, n := namedBelow(sigs)
	var parts []string
	for _, i := range named {
		parts = append(parts, eventRef(sigs[i].Event)+", "+strings.TrimPrefix(reasonOf(sigs[i], "ranked below: "), "ranked below: "))
	}
	if n > maxRankedBelow {
		parts = append(parts, fmt.Sprintf("and %d more", n-maxRankedBelow))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; ranked below: " + strings.Join(parts, "; ")
}

// countsNote is " that counts (ranked below: …)" when innocuous changes were
// ranked out, else "".
func countsNote(req Request) string {
	if r := rankedBelow(req); r != "" {
		return " that counts (" + strings.TrimPrefix(r, "; ") + ")"
	}
	return ""
}

// namedBelow returns the indexes in sigs of the innocuous changes that the
// hypothesis names (the latest maxRankedBelow), and how many there are.
func namedBelow(sigs []noctuary.Signal) (named []int, n int) {
	order := make([]int, len(sigs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return sigs[b].Event.OccurredAt.Compare(sigs[a].Event.OccurredAt) })
	for _, i := range order {
		if reasonOf(sigs[i], "ranked below: ") == "" {
			continue
		}
		if n++; n <= maxRankedBelow {
			named = append(named, i)
		}
	}
	return named, n
}

// reasonOf returns the first of s's reasons that contains part, without its
// score contribution, or "".
func reasonOf(s noctuary.Signal, part string) string {
	for _, r := range s.Reasons {
		if strings.Contains(r, part) {
			if i := strings.LastIndexByte(r, ' '); i > 0 {
				return r[:i]
			}
		}
	}
	return ""
}

func serviceName(req Request) string {
	switch {
	case req.Service.Key != "":
		return req.Service.Key
	case req.Incident.Service.Summary != "":
		return req.Incident.Service.Summary
	}
	return "the service"
}

// minutes renders a window: "30 minutes", "2 hours".
func minutes(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(math.Round(d.Minutes())), "minute")
}

// before renders how long before onset: "4 minutes before onset".
func before(d time.Duration) string {
	m := int(math.Round(d.Minutes()))
	if m < 1 {
		return "less than a minute before onset"
	}
	return plural(m, "minute") + " before onset"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func clock(t time.Time) string { return t.UTC().Format(time.TimeOnly) }

// eventRef renders "OOMKill (kubernetes, 02:14:41 UTC)".
func eventRef(e noctuary.ContextEvent) string {
	return fmt.Sprintf("%s (%s, %s UTC)", noctuary.QuoteName(e.Kind), noctuary.QuoteName(e.Source), clock(e.OccurredAt))
}

// detail is `; kubernetes wrote "…"`, or "" when e has no summary.
func detail(e noctuary.ContextEvent) string {
	if q := quoteSummary(e); q != "" {
		return "; " + q
	}
	return ""
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// cite puts first, and counts as cited, the signals the hypothesis rests
// on: sigs[i], then the innocuous changes it names as ranked below; the
// others follow in rank order.
func cite(res *Result, sigs []noctuary.Signal, i int) {
	named, _ := namedBelow(sigs)
	first := append([]int{i}, slices.DeleteFunc(named, func(j int) bool { return j == i })...)
	res.Signals = make([]noctuary.Signal, 0, len(sigs))
	for _, j := range first {
		res.Signals = append(res.Signals, sigs[j])
	}
	for j, s := range sigs {
		if !slices.Contains(first, j) {
			res.Signals = append(res.Signals, s)
		}
	}
	res.Cited = len(first)
}

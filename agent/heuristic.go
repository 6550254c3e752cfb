package agent

import (
	"fmt"
	"math"
	"time"

	"github.com/noctuary/noctuary"
)

// Confidence bounds of the heuristic: a change followed by failure signals
// may reach maxConfidence; weaker evidence is capped lower.
const (
	maxConfidence       = 0.95
	maxQuietChange      = 0.60 // a change that no failure signal followed
	maxFailureOnly      = 0.50
	maxInfoOnly         = 0.20
	noContextConfidence = 0.10
	// closeRace: when the runner-up change scores within this of the top
	// one, confidence drops by the difference.
	closeRace = 0.20
)

// heuristic is the built-in engine: it explains the incident by the
// top-ranked change before onset, corroborated by the failure signals after
// it. It never fails and needs no network.
func heuristic(req Request) Result {
	sigs := req.Correlation.Signals
	res := Result{Engine: noctuary.EngineHeuristic, Signals: sigs}
	window := req.Correlation.Window()
	if window <= 0 {
		window = DefaultWindow
	}
	svc := serviceName(req)
	if len(sigs) == 0 {
		res.NoContext = true
		res.Confidence = noContextConfidence
		res.Hypothesis = fmt.Sprintf("No ContextEvents for %s or its dependencies in the %s before onset; "+
			"the cause is likely outside recent changes", svc, minutes(window))
		res.Recommendation.Text = fmt.Sprintf("Check the dashboards and logs of %s, its dependencies and "+
			"providers; send deploys and config changes to /v1/events so the next triage has context", svc)
		return res
	}
	if i := causeIndex(sigs, req.Onset); i >= 0 {
		explainChange(&res, req, i)
		return res
	}
	top := sigs[0]
	for _, s := range sigs {
		if s.Class == noctuary.ClassFailure {
			res.Confidence = round2(math.Min(maxFailureOnly, s.Score))
			res.Cause = &s
			res.Hypothesis = fmt.Sprintf("No change in the %s before onset; the strongest signal is %s",
				minutes(window), eventRef(s.Event))
			res.Recommendation.Text = fmt.Sprintf("Investigate the %s in %s at %s UTC%s", noctuary.QuoteName(s.Event.Kind),
				noctuary.QuoteName(s.Event.Source), clock(s.Event.OccurredAt), detail(s.Event))
			return res
		}
	}
	res.Confidence = round2(math.Min(maxInfoOnly, top.Score))
	res.Hypothesis = fmt.Sprintf("No change before onset and no failure signal among the %d event(s) "+
		"around onset; the cause is likely outside recent changes", len(sigs))
	res.Recommendation.Text = fmt.Sprintf("Check the dashboards and logs of %s and its dependencies; "+
		"the nearest event is %s", svc, eventRef(top.Event))
	return res
}

// causeIndex returns the index of the top-ranked change at or before onset, or -1.
func causeIndex(sigs []noctuary.Signal, onset time.Time) int {
	for i, s := range sigs {
		if s.Class == noctuary.ClassChange && !s.Event.OccurredAt.After(onset) {
			return i
		}
	}
	return -1
}

func explainChange(res *Result, req Request, i int) {
	sigs := req.Correlation.Signals
	cause := sigs[i]
	e := cause.Event
	g := groupOf(e.Kind)
	res.Hypothesis = fmt.Sprintf("%s %s %s%s", describe(e, g, req.Service), g.verb, before(req.Onset.Sub(e.OccurredAt)), hearsay(e))
	limit := maxQuietChange
	if failuresAfter(e.OccurredAt, sigs) > 0 {
		limit = maxConfidence
	}
	conf := math.Min(limit, cause.Score)
	if r := runnerUp(sigs, req.Onset, i); r >= 0 {
		if margin := cause.Score - sigs[r].Score; margin < closeRace {
			conf -= closeRace - margin
		}
	}
	res.Confidence = round2(math.Max(0, conf))
	res.Recommendation = recommend(e, g, req.Service)
	res.Signals = append(append([]noctuary.Signal{cause}, sigs[:i]...), sigs[i+1:]...)
	res.Cause = &cause
}

// runnerUp returns the index of the best change at or before onset other than i, or -1.
func runnerUp(sigs []noctuary.Signal, onset time.Time, i int) int {
	for j, s := range sigs {
		if j != i && s.Class == noctuary.ClassChange && !s.Event.OccurredAt.After(onset) {
			return j
		}
	}
	return -1
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

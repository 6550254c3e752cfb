package agent

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Default correlation bounds around the onset.
const (
	DefaultWindow = 30 * time.Minute
	DefaultAfter  = 5 * time.Minute
)

// Scoring weights. A signal's score is the sum of its contributions, each
// recorded as a reason. A candidate cause (a change before onset that counts,
// or a failure before onset that nothing explains: see faults.go) scores at
// least candidateFloor; nothing else reaches it.
const (
	weightChange     = 0.48 // candidate: change at or before onset, or a failure that is a cause
	candidateFloor   = weightChange
	weightInnocuous  = -0.43 // an innocuous change: ranks below every candidate
	weightLateChange = 0.05  // change after onset: cannot be the cause
	weightFailure    = 0.20  // failure signal: corroborates a cause
	weightInfo       = 0.05  // information
	weightProximity  = 0.25  // at onset; decays linearly to 0 at the window's edge
	weightInfra      = 0.10  // an infrastructure failure breaks on its own
	weightDomain     = 0.30  // the failures' words point at the candidate's domain
	boostPerFailure  = 0.12  // per failure signal after a candidate
	maxFailureBoost  = 0.36
	boostPerSymptom  = 0.05 // per symptom token a change shares
	maxSymptomBoost  = 0.15
)

// CorrelateOptions bounds the correlation window; zero values take defaults.
type CorrelateOptions struct {
	// Window is how far before onset events count (default 30m).
	Window time.Duration
	// After is how far after onset events count (default 5m).
	After time.Duration
	// Service is the paging service: its key, PagerDuty service IDs and
	// dependencies tell its own events from its dependencies' and from
	// those of services with no declared dependency path to it. Zero counts
	// every event as the service's own.
	Service noctuary.Service
}

// Correlation is the ranked set of events around an incident's onset.
type Correlation struct {
	Onset time.Time
	From  time.Time
	To    time.Time
	// Signals are ranked by score, highest first; ties are broken by time,
	// then by the event's fields, so the order never depends on input order.
	Signals []noctuary.Signal
}

// Window returns how far before onset events counted.
func (c Correlation) Window() time.Duration { return c.Onset.Sub(c.From) }

// Correlate scores every event with OccurredAt in [onset-Window,
// onset+After] and ranks them. It is deterministic: no clock, no map order.
func Correlate(inc noctuary.Incident, onset time.Time, events []noctuary.ContextEvent, opt CorrelateOptions) Correlation {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.After <= 0 {
		opt.After = DefaultAfter
	}
	c := Correlation{Onset: onset, From: onset.Add(-opt.Window), To: onset.Add(opt.After)}
	var in []noctuary.Signal
	for _, e := range events {
		if e.OccurredAt.Before(c.From) || e.OccurredAt.After(c.To) {
			continue
		}
		in = append(in, noctuary.Signal{Event: e, Class: ClassifyEvent(e)})
	}
	sc := newScoring(inc, c, opt, in)
	for i := range in {
		sc.score(i)
	}
	sort.SliceStable(in, func(i, j int) bool { return ranksBefore(in[i], in[j]) })
	c.Signals = in
	return c
}

// scoring is what the ranking rules of one correlation read.
type scoring struct {
	title    string
	svc      noctuary.Service
	onset    time.Time
	opt      CorrelateOptions
	all      []noctuary.Signal
	symptoms map[string]bool
	evidence [][]int // per domain: failure signals (-1: the title) showing its symptoms
	// why[i] says why change i is innocuous; realChange[i] marks the
	// changes before onset that are not.
	why        []string
	realChange []bool
	// facts[i] is what undone compares of signal i, computed once: undone
	// compares every pair of changes.
	facts []changeFacts
}

func newScoring(inc noctuary.Incident, c Correlation, opt CorrelateOptions, all []noctuary.Signal) *scoring {
	sc := &scoring{title: inc.Title, svc: opt.Service, onset: c.Onset, opt: opt, all: all,
		symptoms: symptomTokens(inc, all), evidence: evidencedDomains(inc.Title, opt.Service, all),
		why: make([]string, len(all)), realChange: make([]bool, len(all)),
		facts: make([]changeFacts, len(all))}
	for i, s := range all {
		sc.facts[i] = factsOf(s.Event)
	}
	for i, s := range all {
		if s.Class == noctuary.ClassChange && !s.Event.OccurredAt.After(c.Onset) {
			sc.why[i] = innocuous(i, sc)
			sc.realChange[i] = sc.why[i] == ""
		}
	}
	return sc
}

func (sc *scoring) score(i int) {
	s := &sc.all[i]
	add := func(reason string, v float64) {
		if v == 0 {
			return
		}
		s.Score += v
		s.Reasons = append(s.Reasons, fmt.Sprintf("%s %+.2f", reason, v))
	}
	before := !s.Event.OccurredAt.After(sc.onset)
	candidate := false
	switch {
	case s.Class == noctuary.ClassChange && before:
		add("change before onset", weightChange)
		if candidate = sc.why[i] == ""; !candidate {
			add("ranked below: "+sc.why[i], weightInnocuous)
		}
	case s.Class == noctuary.ClassChange:
		add("change after onset cannot be the cause", weightLateChange)
	case s.Class == noctuary.ClassFailure:
		candidate = sc.failure(i, add)
	default:
		add("information", weightInfo)
	}
	add(proximity(s.Event.OccurredAt, sc.onset, sc.opt))
	if candidate {
		sc.corroborate(i, add)
	}
	s.Score = math.Round(s.Score*1e6) / 1e6
}

// failure scores failure i by its role and reports whether it is a candidate.
func (sc *scoring) failure(i int, add func(string, float64)) bool {
	switch roleOf(i, sc) {
	case roleInfrastructure:
		add("infrastructure failure before onset", weightChange)
		add("breaks on its own", weightInfra)
		return true
	case roleFirstFailure:
		add("first failure before onset, after no change", weightChange)
		return true
	}
	add("failure signal", weightFailure)
	return false
}

// corroborate adds what supports candidate i: failures after it, symptom
// words it shares, and the failures' domain.
func (sc *scoring) corroborate(i int, add func(string, float64)) {
	s := sc.all[i]
	if n := failuresAfter(s.Event.OccurredAt, sc.all); n > 0 {
		add(fmt.Sprintf("followed by %d failure signal(s)", n), math.Min(maxFailureBoost, boostPerFailure*float64(n)))
	}
	if s.Class == noctuary.ClassChange {
		if m := symptomMatches(s.Event, sc.symptoms); len(m) > 0 {
			add("symptom match ("+strings.Join(m, ", ")+")", math.Min(maxSymptomBoost, boostPerSymptom*float64(len(m))))
		}
	}
	if d, term := domainMatch(i, sc); d != "" {
		add(fmt.Sprintf("%s symptoms (%s) point at it", d, term), weightDomain)
	}
}

// proximity weighs closeness to onset: weightProximity at onset, decaying
// linearly to zero at the edge of the window (before) or of After.
func proximity(at, onset time.Time, opt CorrelateOptions) (string, float64) {
	d, span, where := onset.Sub(at), opt.Window, "before"
	if d < 0 {
		d, span, where = -d, opt.After, "after"
	}
	return fmt.Sprintf("%s %s onset", d.Round(time.Second), where), weightProximity * (1 - float64(d)/float64(span))
}

func failuresAfter(t time.Time, all []noctuary.Signal) int {
	n := 0
	for _, s := range all {
		if s.Class == noctuary.ClassFailure && s.Event.OccurredAt.After(t) {
			n++
		}
	}
	return n
}

func ranksBefore(a, b noctuary.Signal) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	ea, eb := a.Event, b.Event
	if !ea.OccurredAt.Equal(eb.OccurredAt) {
		return ea.OccurredAt.Before(eb.OccurredAt)
	}
	for _, p := range [][2]string{{ea.Service, eb.Service}, {ea.Kind, eb.Kind}, {ea.Source, eb.Source}, {ea.ID, eb.ID}, {ea.Summary, eb.Summary}} {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}

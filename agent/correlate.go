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
// recorded as a reason. A change before onset outweighs any failure signal,
// which outweighs any information event or change after onset.
const (
	weightChange     = 0.48 // change at or before onset: a candidate cause
	weightLateChange = 0.05 // change after onset: cannot be the cause
	weightFailure    = 0.20 // failure signal: corroborates a cause
	weightInfo       = 0.05 // information
	weightProximity  = 0.25 // at onset; decays linearly to 0 at the window's edge
	boostPerFailure  = 0.12 // per failure signal after a change
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
		in = append(in, noctuary.Signal{Event: e, Class: Classify(e.Kind)})
	}
	symptoms := symptomTokens(inc, in)
	for i := range in {
		scoreSignal(&in[i], c, opt, in, symptoms)
	}
	sort.SliceStable(in, func(i, j int) bool { return ranksBefore(in[i], in[j]) })
	c.Signals = in
	return c
}

func scoreSignal(s *noctuary.Signal, c Correlation, opt CorrelateOptions, all []noctuary.Signal, symptoms map[string]bool) {
	add := func(reason string, v float64) {
		if v <= 0 {
			return
		}
		s.Score += v
		s.Reasons = append(s.Reasons, fmt.Sprintf("%s %+.2f", reason, v))
	}
	before := !s.Event.OccurredAt.After(c.Onset)
	switch {
	case s.Class == noctuary.ClassChange && before:
		add("change before onset", weightChange)
	case s.Class == noctuary.ClassChange:
		add("change after onset cannot be the cause", weightLateChange)
	case s.Class == noctuary.ClassFailure:
		add("failure signal", weightFailure)
	default:
		add("information", weightInfo)
	}
	add(proximity(s.Event.OccurredAt, c.Onset, opt))
	if s.Class == noctuary.ClassChange && before {
		if n := failuresAfter(s.Event.OccurredAt, all); n > 0 {
			add(fmt.Sprintf("followed by %d failure signal(s)", n), math.Min(maxFailureBoost, boostPerFailure*float64(n)))
		}
		if m := symptomMatches(s.Event, symptoms); len(m) > 0 {
			add("symptom match ("+strings.Join(m, ", ")+")", math.Min(maxSymptomBoost, boostPerSymptom*float64(len(m))))
		}
	}
	s.Score = math.Round(s.Score*1e6) / 1e6
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

package noctuary

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// FeedbackWindows are the spans, in days, over which the precision of
// hypotheses is reported: the verdicts given in the last 30 and 90 days.
var FeedbackWindows = []int{30, 90}

// FeedbackRetention is how long verdicts and misses are kept: the longest
// of FeedbackWindows.
const FeedbackRetention = 90 * 24 * time.Hour

// MaxCauseText bounds the words an engineer gives for a miss's cause.
const MaxCauseText = 500

// Vote is one engineer's verdict on one triage's hypothesis. An engineer
// has one vote per triage: a later one replaces it.
type Vote struct {
	Service  string
	TriageID string
	// Engine wrote the hypothesis voted on (Triage.Engine).
	Engine string
	User   string
	Right  bool
	At     time.Time
}

// Verdicts count the votes that found hypotheses right and wrong.
type Verdicts struct {
	Right int
	Wrong int
}

// Precision is Right / (Right + Wrong); ok is false without votes.
func (v Verdicts) Precision() (p float64, ok bool) {
	if n := v.Right + v.Wrong; n > 0 {
		return float64(v.Right) / float64(n), true
	}
	return 0, false
}

// add counts one vote.
func (v *Verdicts) add(right bool) {
	if right {
		v.Right++
	} else {
		v.Wrong++
	}
}

// MarshalJSON writes {"right", "wrong", "precision"}, precision null
// without votes.
func (v Verdicts) MarshalJSON() ([]byte, error) {
	out := struct {
		Right     int      `json:"right"`
		Wrong     int      `json:"wrong"`
		Precision *float64 `json:"precision"`
	}{Right: v.Right, Wrong: v.Wrong}
	if p, ok := v.Precision(); ok {
		out.Precision = &p
	}
	return json.Marshal(out)
}

// WindowPrecision is a service's verdicts over the last Days days: in all,
// and by the engine that wrote the hypotheses.
type WindowPrecision struct {
	Days    int                 `json:"days"`
	All     Verdicts            `json:"all"`
	Engines map[string]Verdicts `json:"engines"`
}

// PrecisionOver tallies votes into one WindowPrecision per FeedbackWindows,
// counting the votes given in the window's days before now.
func PrecisionOver(votes []Vote, now time.Time) []WindowPrecision {
	out := make([]WindowPrecision, len(FeedbackWindows))
	for i, days := range FeedbackWindows {
		w := WindowPrecision{Days: days, Engines: map[string]Verdicts{}}
		since := now.Add(-time.Duration(days) * 24 * time.Hour)
		for _, v := range votes {
			if v.At.Before(since) || v.At.After(now) {
				continue
			}
			w.All.add(v.Right)
			e := w.Engines[v.Engine]
			e.add(v.Right)
			w.Engines[v.Engine] = e
		}
		out[i] = w
	}
	return out
}

// Miss is a hypothesis an engineer found wrong, with what the cause was
// instead: one of the triage's signals, or their own words, or both.
type Miss struct {
	// Triage is the triage as stored when the miss was recorded: what a
	// triage keeps of its signals (those it cited, and the highest-scoring
	// others), not every event of the window.
	Triage Triage    `json:"triage"`
	User   string    `json:"user"`
	At     time.Time `json:"at"`
	// Signal is the index in Triage.Signals of the signal that was the
	// cause; nil when none of them was.
	Signal *int `json:"signal,omitempty"`
	// Text is the cause in the engineer's words (at most MaxCauseText
	// characters).
	Text string `json:"text,omitempty"`
}

// CauseEvent returns the signal named as the cause, if one was.
func (m Miss) CauseEvent() (ContextEvent, bool) {
	if m.Signal == nil || *m.Signal < 0 || *m.Signal >= len(m.Triage.Signals) {
		return ContextEvent{}, false
	}
	return m.Triage.Signals[*m.Signal].Event, true
}

// Fields of a miss that Problems names.
const (
	MissSignal = "signal"
	MissText   = "text"
)

// Problems says what is wrong with m as a record of a cause, by field
// (MissSignal, MissText), one sentence each; nil when m names a cause: a
// signal of its triage's list, or words of at most MaxCauseText characters,
// or both. A cause named by nothing is a problem of MissSignal when the
// triage has signals to pick from, else of MissText.
func (m Miss) Problems() map[string]string {
	p := map[string]string{}
	if m.Signal != nil && (*m.Signal < 0 || *m.Signal >= len(m.Triage.Signals)) {
		p[MissSignal] = "That signal is not in this triage's list; pick one of the list."
	}
	if n := utf8.RuneCountInString(m.Text); n > MaxCauseText {
		p[MissText] = fmt.Sprintf("Say it in at most %d characters (this is %d).", MaxCauseText, n)
	}
	if m.Signal == nil && strings.TrimSpace(m.Text) == "" {
		field := MissSignal
		if len(m.Triage.Signals) == 0 {
			field = MissText
		}
		p[field] = "Pick the signal that was the cause, or say in a few words what it was."
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// CountVotes counts votes by verdict.
func CountVotes(votes []Vote) Verdicts {
	var v Verdicts
	for _, vote := range votes {
		v.add(vote.Right)
	}
	return v
}

package eval

import (
	"fmt"
	"io"
	"math"
	"sort"
)

// Report is the outcome of a run over every scenario.
type Report struct {
	Outcomes []Outcome
}

// Score counts right answers.
type Score struct {
	Name              string
	N, Right, NaiveOK int
}

// Accuracy is Right / N, 0 without scenarios.
func (s Score) Accuracy() float64 { return ratio(s.Right, s.N) }

// NaiveAccuracy is the naive rule's share right.
func (s Score) NaiveAccuracy() float64 { return ratio(s.NaiveOK, s.N) }

// Band is a confidence band [Low, High) and how many triages in it were right.
type Band struct {
	Low, High float64
	N, Right  int
}

// Total scores every scenario.
func (r Report) Total() Score {
	s := Score{Name: "all"}
	for _, o := range r.Outcomes {
		s.add(o)
	}
	return s
}

// Categories scores each category, sorted by name.
func (r Report) Categories() []Score {
	by := map[string]*Score{}
	for _, o := range r.Outcomes {
		if by[o.Category] == nil {
			by[o.Category] = &Score{Name: o.Category}
		}
		by[o.Category].add(o)
	}
	out := make([]Score, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// bandEdges are the calibration bands' bounds; the last band includes 1.
var bandEdges = []float64{0, 0.2, 0.4, 0.6, 0.8, 1}

// Calibration is the share right in each confidence band.
func (r Report) Calibration() []Band {
	bands := make([]Band, len(bandEdges)-1)
	for i := range bands {
		bands[i] = Band{Low: bandEdges[i], High: bandEdges[i+1]}
	}
	for _, o := range r.Outcomes {
		// The epsilon keeps 0.6 in the band it starts despite float error.
		i := max(0, min(int(math.Floor(o.Confidence*5+1e-9)), len(bands)-1))
		bands[i].N++
		if o.Right() {
			bands[i].Right++
		}
	}
	return bands
}

// Misses are the outcomes the engine got wrong, in scenario order.
func (r Report) Misses() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if !o.Right() {
			out = append(out, o)
		}
	}
	return out
}

// Write prints the accuracy table, the calibration and, when misses is
// true, each miss, as Markdown.
func (r Report) Write(w io.Writer, misses bool) {
	fmt.Fprintf(w, "| category | scenarios | heuristic engine | naive: latest change |\n|---|--:|--:|--:|\n")
	for _, s := range r.Categories() {
		writeScore(w, s, "%s")
	}
	writeScore(w, r.Total(), "**%s**")
	fmt.Fprintf(w, "\n| confidence | triages | right |\n|---|--:|--:|\n")
	for _, b := range r.Calibration() {
		fmt.Fprintf(w, "| %.1f–%.1f | %d | %s |\n", b.Low, b.High, b.N, percent(b.Right, b.N))
	}
	if !misses {
		return
	}
	fmt.Fprintf(w, "\nMisses:\n")
	for _, o := range r.Misses() {
		fmt.Fprintf(w, "- %s/%s: expected %s, got %s (confidence %.2f)", o.File, o.Name, o.Expected, o.Got, o.Confidence)
		if len(o.Missing) > 0 {
			fmt.Fprintf(w, ", hypothesis lacks %q", o.Missing)
		}
		if o.Dishonest {
			fmt.Fprintf(w, ", no context but not said")
		}
		fmt.Fprintf(w, "\n  %s\n", o.Hypothesis)
	}
}

func writeScore(w io.Writer, s Score, nameFormat string) {
	fmt.Fprintf(w, "| "+nameFormat+" | %d | %s | %s |\n", s.Name, s.N, percent(s.Right, s.N), percent(s.NaiveOK, s.N))
}

func (s *Score) add(o Outcome) {
	s.N++
	if o.Right() {
		s.Right++
	}
	if o.NaiveRight() {
		s.NaiveOK++
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percent is "73 % (22)" or "–" for an empty set.
func percent(a, b int) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %% (%d)", 100*ratio(a, b), a)
}

package eval

import (
	"encoding/json"
	"math"
	"os"
)

// Baseline is the recorded accuracy the suite must not fall below
// (testdata/eval/baseline.json).
type Baseline struct {
	Scenarios int     `json:"scenarios"`
	Right     int     `json:"right"`
	Accuracy  float64 `json:"accuracy"`
	// Naive is the naive rule's accuracy on the same scenarios, for reference.
	Naive float64 `json:"naive"`
}

// Record is the baseline of r.
func (r Report) Record() Baseline {
	t := r.Total()
	return Baseline{Scenarios: t.N, Right: t.Right, Accuracy: round3(t.Accuracy()), Naive: round3(t.NaiveAccuracy())}
}

// ReadBaseline reads a baseline file.
func ReadBaseline(path string) (Baseline, error) {
	var b Baseline
	data, err := os.ReadFile(path)
	if err != nil {
		return b, err
	}
	return b, json.Unmarshal(data, &b)
}

// WriteBaseline writes b to path.
func WriteBaseline(path string, b Baseline) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

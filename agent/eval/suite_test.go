package eval

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "record the suite's accuracy in testdata/eval/baseline.json")

var suiteDir = filepath.Join("..", "..", "testdata", "eval")

// TestSuite runs the heuristic engine over testdata/eval and fails when its
// accuracy falls below the recorded baseline. With -v (make eval) it prints
// the accuracy table, the calibration and the misses.
func TestSuite(t *testing.T) {
	scenarios, err := Load(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	report := Run(context.Background(), scenarios, time.Now())
	if testing.Verbose() {
		report.Write(os.Stdout, true)
	}
	path := filepath.Join(suiteDir, "baseline.json")
	got := report.Record()
	if *update {
		if err := WriteBaseline(path, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := ReadBaseline(path)
	if err != nil {
		t.Fatalf("%v: record a baseline with `make eval-record`", err)
	}
	switch {
	case got.Accuracy < want.Accuracy:
		report.Write(os.Stderr, true)
		t.Fatalf("accuracy %.1f %% (%d/%d) fell below the recorded %.1f %% (%d/%d); fix the engine, or, if scenarios "+
			"were added, record the new figure with `make eval-record` and say why in the commit",
			100*got.Accuracy, got.Right, got.Scenarios, 100*want.Accuracy, want.Right, want.Scenarios)
	case got.Accuracy > want.Accuracy:
		t.Logf("accuracy rose to %.1f %% (%d/%d) from the recorded %.1f %%: record it with `make eval-record` so CI keeps it",
			100*got.Accuracy, got.Right, got.Scenarios, 100*want.Accuracy)
	}
}

package blocks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

func TestReasoningGolden(t *testing.T) {
	tr := triage(noctuary.ModeAction)
	tr.Signals[0].Class, tr.Signals[0].Score = noctuary.ClassFailure, 0.35
	tr.Signals[0].Reasons = []string{"failure after onset +0.10"}
	tr.Signals[1].Class, tr.Signals[1].Score = noctuary.ClassChange, 0.85
	tr.Signals[1].Reasons = []string{"change before onset +0.40", "identity sha=a4f2c1 +0.20"}
	got := Reasoning(tr)
	path := filepath.Join("testdata", "reasoning.golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Reasoning differs from %s; got:\n%s", path, got)
	}
}

func TestReasoningEscapesOutsideText(t *testing.T) {
	tr := triage(noctuary.ModeReadOnly)
	tr.Hypothesis = "<!channel> see <https://evil.example|here>"
	tr.Signals[0].Event.Summary = "a|b> <@U1>"
	tr.Signals[0].Reasons = []string{"<!here> reason"}
	tr.Signals[1].Event.Link = "!channel"
	tr.FallbackReason = "model said <@U2>"
	got := Reasoning(tr)
	for _, bad := range []string{"<!channel", "<https://evil", "<@U1>", "<!here>", "<@U2>"} {
		if strings.Contains(got, bad) {
			t.Errorf("reasoning %q contains %q", got, bad)
		}
	}
	if !strings.Contains(got, "LLM not used") {
		t.Errorf("reasoning %q does not say why the LLM was not used", got)
	}
}

func TestReasoningWithoutSignals(t *testing.T) {
	tr := triage(noctuary.ModeAction)
	tr.Signals, tr.NoContext = nil, true
	got := Reasoning(tr)
	if !strings.Contains(got, "*No context:*") || strings.Contains(got, "*Why:*") || !strings.Contains(got, "triage tri-01") {
		t.Errorf("reasoning without signals: %q", got)
	}
}

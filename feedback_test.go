package noctuary

import (
	"encoding/json"
	"testing"
	"time"
)

// A vote counts in a window from the window's first instant to now; one
// given after now (another replica's clock ahead) waits until then.
func TestPrecisionOverWindowEdges(t *testing.T) {
	now := time.Now()
	day := 24 * time.Hour
	votes := []Vote{
		{Engine: "heuristic", Right: true, At: now.Add(-30 * day)},                   // first instant of 30 days
		{Engine: "heuristic", Right: false, At: now.Add(-30*day - time.Millisecond)}, // just outside: 90 days only
		{Engine: "gemini", Right: false, At: now.Add(-90 * day)},
		{Engine: "gemini", Right: true, At: now.Add(-90*day - time.Millisecond)}, // in no window
		{Engine: "heuristic", Right: true, At: now.Add(time.Second)},             // not yet
	}
	got := PrecisionOver(votes, now)
	if len(got) != 2 || got[0].Days != 30 || got[1].Days != 90 {
		t.Fatalf("windows = %+v", got)
	}
	if got[0].All != (Verdicts{Right: 1}) || len(got[0].Engines) != 1 {
		t.Errorf("30 days = %+v, want the vote at its first instant only", got[0])
	}
	if got[1].All != (Verdicts{Right: 1, Wrong: 2}) || got[1].Engines["gemini"] != (Verdicts{Wrong: 1}) {
		t.Errorf("90 days = %+v", got[1])
	}
}

func TestVerdictsJSON(t *testing.T) {
	for _, tt := range []struct {
		v    Verdicts
		want string
	}{
		{Verdicts{}, `{"right":0,"wrong":0,"precision":null}`},
		{Verdicts{Right: 3, Wrong: 1}, `{"right":3,"wrong":1,"precision":0.75}`},
		{Verdicts{Wrong: 2}, `{"right":0,"wrong":2,"precision":0}`},
	} {
		if raw, err := json.Marshal(tt.v); err != nil || string(raw) != tt.want {
			t.Errorf("%+v: %s, %v; want %s", tt.v, raw, err, tt.want)
		}
	}
}

package noctuary

import (
	"testing"
	"time"
)

// TestPrecedence: high urgency first, then P1 before P2 before none, then
// the earlier webhook.
func TestPrecedence(t *testing.T) {
	t0 := time.Now()
	inc := func(urgency, priority string) Incident {
		return Incident{Urgency: urgency, Priority: Reference{Summary: priority}}
	}
	tests := []struct {
		name   string
		a, b   Precedence
		before bool
	}{
		{"high before low", PrecedenceOf(inc("high", ""), t0.Add(time.Second)), PrecedenceOf(inc("low", "P1"), t0), true},
		{"low after high", PrecedenceOf(inc("low", "P1"), t0), PrecedenceOf(inc("high", ""), t0.Add(time.Second)), false},
		{"P1 before P2", PrecedenceOf(inc("low", "P1"), t0.Add(time.Second)), PrecedenceOf(inc("low", "P2"), t0), true},
		{"any priority before none", PrecedenceOf(inc("low", "SEV-5"), t0.Add(time.Second)), PrecedenceOf(inc("low", ""), t0), true},
		{"earlier first", PrecedenceOf(inc("low", ""), t0), PrecedenceOf(inc("low", ""), t0.Add(time.Millisecond)), true},
		{"same: neither first", PrecedenceOf(inc("low", "P3"), t0), PrecedenceOf(inc("low", "P3"), t0), false},
		{"a name without a number counts as none", PrecedenceOf(inc("low", "urgent"), t0.Add(time.Second)), PrecedenceOf(inc("low", ""), t0), false},
	}
	for _, tt := range tests {
		if got := tt.a.Before(tt.b); got != tt.before {
			t.Errorf("%s: Before = %v, want %v", tt.name, got, tt.before)
		}
	}
	if PrecedenceOf(inc("high", ""), t0).Urgency() != "high" || PrecedenceOf(inc("", ""), t0).Urgency() != "low" {
		t.Error("urgency labels")
	}
}

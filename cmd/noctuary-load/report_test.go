package main

import (
	"testing"
	"time"
)

// TestQuantiles: nearest rank, and a missing note is later than any.
func TestQuantiles(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		want   string
	}{
		{"none", nil, "no answers"},
		{"one", ms(7), "p50 7.0 ms, p90 7.0 ms, p99 7.0 ms, max 7.0 ms"},
		{"1..100", ms(hundred...), "p50 50.0 ms, p90 90.0 ms, p99 99.0 ms, max 100.0 ms"},
		{"half missing", append(ms(1, 2), never, never), "p50 2.0 ms, p90 missing, p99 missing, max missing"},
	}
	for _, tt := range tests {
		if got := quantiles(tt.sorted); got != tt.want {
			t.Errorf("%s: quantiles = %q, want %q", tt.name, got, tt.want)
		}
	}
}

package noctuary_test

import (
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestBackoffSpacing: the waits double from base up to the ceiling, each
// between half of its step (no jitter) and the whole step (most jitter).
func TestBackoffSpacing(t *testing.T) {
	none := func(time.Duration) time.Duration { return 0 }
	most := func(d time.Duration) time.Duration { return d - 1 }
	const base, ceiling = 5 * time.Second, 5 * time.Minute
	tests := []struct {
		attempt  int
		low, top time.Duration
	}{
		{0, 2500 * time.Millisecond, 5 * time.Second}, // treated as the first
		{1, 2500 * time.Millisecond, 5 * time.Second},
		{2, 5 * time.Second, 10 * time.Second},
		{3, 10 * time.Second, 20 * time.Second},
		{4, 20 * time.Second, 40 * time.Second},
		{5, 40 * time.Second, 80 * time.Second},
		{6, 80 * time.Second, 160 * time.Second},
		{7, 150 * time.Second, ceiling},
		{15, 150 * time.Second, ceiling},
		{16, 150 * time.Second, ceiling},
		{1 << 20, 150 * time.Second, ceiling}, // no overflow
	}
	for _, tt := range tests {
		if got := noctuary.Backoff(tt.attempt, base, ceiling, none); got != tt.low {
			t.Errorf("attempt %d without jitter: %v, want %v", tt.attempt, got, tt.low)
		}
		if got := noctuary.Backoff(tt.attempt, base, ceiling, most); got != tt.top-1 {
			t.Errorf("attempt %d with most jitter: %v, want just under %v", tt.attempt, got, tt.top)
		}
	}
}

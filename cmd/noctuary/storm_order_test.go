package main

import (
	"testing"
	"time"
)

// TestOvertaken: only a webhook that surely arrived later (its delivery
// began after the other's was accepted) counts as overtaking.
func TestOvertaken(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	n := func(began, accepted, note int) noted { return noted{delivery{at(began), at(accepted)}, at(note)} }
	for _, tc := range []struct {
		name string
		ns   []noted
		want time.Duration
	}{
		{"in order", []noted{n(0, 1, 5), n(2, 3, 6)}, 0},
		{"later one noted first", []noted{n(0, 1, 10), n(2, 3, 5)}, 5 * time.Second},
		{"overlapping deliveries", []noted{n(0, 3, 10), n(2, 4, 5)}, 0},
		{"given out of order", []noted{n(2, 3, 5), n(0, 1, 10), n(4, 5, 9)}, 5 * time.Second},
	} {
		if got := overtaken(tc.ns); got != tc.want {
			t.Errorf("%s: overtaken = %s, want %s", tc.name, got, tc.want)
		}
	}
}

package agent

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWithinLikeContains compares terms.within with strings.Contains of
// each term, on every known kind normalised and on random glued pieces
// of the terms (a new seed each run, logged).
func TestWithinLikeContains(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 4))
	var kinds []string
	for k := range KindClasses {
		kinds = append(kinds, k)
	}
	for _, k := range denseKinds {
		kinds = append(kinds, NormalizeKind(k))
	}
	pieces := slices.Concat(infraKinds, symptomKinds, []string{"a", "x", "9", "é"})
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(4) {
			p := pieces[r.IntN(len(pieces))]
			b.WriteString(p[r.IntN(len(p)):])
		}
		kinds = append(kinds, b.String())
	}
	for _, c := range []struct {
		ts   *terms
		list []string
	}{{infraKindIndex, infraKinds}, {symptomKindIndex, symptomKinds}} {
		for _, k := range kinds {
			want := slices.ContainsFunc(c.list, func(w string) bool { return strings.Contains(k, w) })
			if got := c.ts.within(k); got != want {
				t.Fatalf("within(%q) = %v, want %v", k, got, want)
			}
		}
	}
}

// TestStartsWordLikeContains compares text.startsWord(term) with
// strings.Contains(t, " "+term) on random strings of spaces and a few
// letters, normalised or not (a new seed each run, logged).
func TestStartsWordLikeContains(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 6))
	random := func(n int) string {
		b := make([]byte, n)
		for k := range b {
			b[k] = " ab"[r.IntN(3)]
		}
		return string(b)
	}
	for range 20000 {
		s, term := random(r.IntN(12)), random(r.IntN(4))
		if got, want := text(s).startsWord(term), strings.Contains(s, " "+term); got != want {
			t.Fatalf("text(%q).startsWord(%q) = %v, want %v", s, term, got, want)
		}
	}
}

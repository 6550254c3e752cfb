package agent

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The shapes ValidTarget accepts, as its doc comment gives them.
var (
	shaPattern  = regexp.MustCompile(`^[0-9a-fA-F]{4,64}$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:+-]{0,127}$`)
)

// TestValidTargetLikePatterns holds ValidTarget to shaPattern and
// namePattern on edge cases and random strings of their alphabets and
// beyond (a new seed each run, logged).
func TestValidTargetLikePatterns(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 5))
	values := []string{"", "a", "abc", "abcd", "ABCDEF", "g123", "-a", ".a", "a b", "a\n", "a$", "é", "a\xff",
		strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 128), strings.Repeat("a", 129), "v1.2.3+build/x:y-z_w"}
	alphabet := []rune("09afAFgzGZ._/:+- \n$'\"`<>|é\u00e9\u212a")
	for range 20000 {
		n := r.IntN(8)
		if r.IntN(20) == 0 {
			n = 60 + r.IntN(75)
		}
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		values = append(values, b.String())
	}
	for _, v := range values {
		for _, key := range []string{"sha", "previous_sha", "version"} {
			want := namePattern.MatchString(v)
			if strings.TrimPrefix(key, "previous_") == "sha" {
				want = shaPattern.MatchString(v)
			}
			if got := ValidTarget(key, v); got != want {
				t.Fatalf("ValidTarget(%q, %q) = %v, want %v", key, v, got, want)
			}
		}
	}
}

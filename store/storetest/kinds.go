package storetest

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
)

// Clock is a settable clock for store.Options.Now (and any other Now
// option), safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// ShiftVariable names the environment variable that moves every Clock by a
// duration (say -8760h: the tests run a year after their fixture dates).
// Expiries must be relative to the injected clock, never absolute, so the
// tests pass whatever it says; CI runs them shifted to prove it.
const ShiftVariable = "NOCTUARY_TEST_CLOCK_SHIFT"

// Shift returns the duration of ShiftVariable (0 when unset). A value that
// does not parse panics: a guard that silently does nothing is no guard.
func Shift() time.Duration {
	v := os.Getenv(ShiftVariable)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(ShiftVariable + " must be a Go duration such as -8760h: " + err.Error())
	}
	return d
}

// NewClock returns a clock that reads start, moved by Shift, until it is
// moved.
func NewClock(start time.Time) *Clock { return &Clock{t: start.Add(Shift())} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// EachKind runs fn in a parallel subtest per kind of Kinds, each with a
// fresh store opened with opt and a Clock starting at start as its Now.
func EachKind(t *testing.T, start time.Time, opt store.Options, fn func(t *testing.T, s *store.Store, clk *Clock)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := NewClock(start)
			o := opt
			o.Now = clk.Now
			fn(t, Open(t, kind, o), clk)
		})
	}
}

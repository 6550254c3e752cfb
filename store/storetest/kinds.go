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

// ShiftVariable names the environment variable that moves every fixture
// epoch by a duration: with -8760h the tests run as if a year after their
// fixture dates, with 8760h a year before. Redis measures absolute expiries
// against its own clock, so an expiry must be relative to the injected clock;
// CI runs the tests shifted to prove that none depends on the calendar.
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

// Epoch returns a fixture time (UTC) moved by Shift. Tests that start their
// clock at a fixed date take it from here, and derive every expectation from
// it, never from a literal date.
func Epoch(year int, month time.Month, day, hour, minute, sec int) time.Time {
	return time.Date(year, month, day, hour, minute, sec, 0, time.UTC).Add(Shift())
}

// NewClock returns a clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

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

// EachKind runs fn in a parallel subtest per kind of AllKinds, each with a
// fresh store opened with opt and a Clock starting at start as its Now.
func EachKind(t *testing.T, start time.Time, opt store.Options, fn func(t *testing.T, s *store.Store, clk *Clock)) {
	t.Helper()
	for _, kind := range AllKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clk := NewClock(start)
			o := opt
			o.Now = clk.Now
			fn(t, Open(t, kind, o), clk)
		})
	}
}

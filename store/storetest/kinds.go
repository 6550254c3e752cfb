package storetest

import (
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

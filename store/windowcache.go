package store

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noctuary/noctuary"
)

const (
	// cacheSpan is the most of a service's history the window cache covers:
	// a query wider than it, or further back than it from the newest one,
	// reads Redis directly.
	cacheSpan = 2 * time.Hour
	// logLen is roughly how many writes a service's event log keeps (XADD
	// MAXLEN ~). A cache that fell further behind reloads what it covers.
	logLen = 1000
	// DefaultWindowCacheEvents bounds the events the window cache holds.
	DefaultWindowCacheEvents = 100_000
)

// windowCache keeps, per service, the decoded events of the minutes recent
// windows covered, so that a triage decodes only what was written since the
// last one, not the whole window again. Writers append to the service's
// event log (a stream) after storing packs: its entries name the minutes
// written, in order, so the cache re-reads only those (a late event's old
// minute included); a log that no longer holds the cache's last entry
// (trimmed, expired, FLUSHALL) makes it reload what it covers. Concurrent
// triages of a service share one refresh. See refresh.go.
type windowCache struct {
	max int // events held at most

	mu      sync.Mutex
	entries map[string]*serviceWindow
	events  int    // held by the entries
	tick    uint64 // use clock, for eviction
}

func newWindowCache(maxEvents int) *windowCache {
	return &windowCache{max: maxEvents, entries: map[string]*serviceWindow{}}
}

// serviceWindow is one service's cached minutes: cover (pack scores, ms) as
// of its log's entry logID. Its fields are guarded by lock, a channel so
// that waiting honours the context.
type serviceWindow struct {
	svc       string
	lock      chan struct{}
	refreshes atomic.Uint64 // refreshes started
	logID     string        // "": nothing valid; "0-0": the log was empty
	cover     span
	minutes   map[int64]*minute
	events    int    // guarded by windowCache.mu
	used      uint64 // windowCache.tick of its last use (windowCache.mu)
	evicted   bool   // windowCache.mu
}

// minute holds the packs stored for one minute and their events, sorted by
// OccurredAt.
type minute struct {
	packs  []string
	events []noctuary.ContextEvent
}

// span is a range of pack scores (ms), inclusive.
type span struct{ lo, hi int64 }

func (s span) empty() bool { return s.lo > s.hi }

func (s span) contains(o span) bool { return s.lo <= o.lo && o.hi <= s.hi }

func minuteOf(ms int64) int64 { return ms - ms%packSpan.Milliseconds() }

// entry returns the service's window, created empty if need be.
func (c *windowCache) entry(svc string) *serviceWindow {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	e := c.entries[svc]
	if e == nil {
		e = &serviceWindow{svc: svc, lock: make(chan struct{}, 1), cover: span{1, 0}, minutes: map[int64]*minute{}}
		c.entries[svc] = e
	}
	e.used = c.tick
	return e
}

// resized records that e now holds n events, and evicts the least recently
// used services while the cache holds more than its bound.
func (c *windowCache) resized(e *serviceWindow, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !e.evicted {
		c.events += n - e.events
	}
	e.events = n
	for c.events > c.max {
		var lru *serviceWindow
		for _, x := range c.entries {
			if lru == nil || x.used < lru.used {
				lru = x
			}
		}
		delete(c.entries, lru.svc)
		lru.evicted = true
		c.events -= lru.events
	}
}

// cachedWindow returns the events of svcs (sorted, valid) in [from, to]
// through the cache, or ok=false when the window does not suit it: wider
// than cacheSpan, or more packs than MaxWindowEvents.
func (s *Store) cachedWindow(ctx context.Context, svcs []string, from, to time.Time) (out []noctuary.ContextEvent, ok bool, err error) {
	want := span{minuteOf(msID(from)), minuteOf(msID(to))}
	if time.Duration(want.hi-want.lo)*time.Millisecond > cacheSpan {
		return nil, false, nil
	}
	entries := make([]*serviceWindow, len(svcs))
	var stale []*serviceWindow
	for i, svc := range svcs { // sorted: locks are taken in one order
		e := s.cache.entry(svc)
		arrived := e.refreshes.Load()
		select {
		case e.lock <- struct{}{}:
			defer func() { <-e.lock }()
		case <-ctx.Done():
			return nil, false, unavailable(ctx.Err())
		}
		entries[i] = e
		// A refresh that began after this call did and covered want is
		// shared: it saw every write that completed before this call.
		if e.refreshes.Load() == arrived || e.logID == "" || !e.cover.contains(want) {
			stale = append(stale, e)
		}
	}
	if err := s.refresh(ctx, stale, want); err != nil {
		return nil, false, err
	}
	runs := make([][][]noctuary.ContextEvent, len(entries))
	for i, e := range entries {
		if e.logID == "" || !e.cover.contains(want) {
			return nil, false, nil
		}
		runs[i] = e.window(want, from, to)
	}
	return mergeRuns(runs), true, nil
}

// window returns e's events in [from, to], from the minutes of want (those
// of the latest MaxWindowEvents packs), as sorted slices of its minutes in
// order: together, one sorted run.
func (e *serviceWindow) window(want span, from, to time.Time) [][]noctuary.ContextEvent {
	step, packs := packSpan.Milliseconds(), 0
	lo := want.lo
	for m := want.hi; m >= want.lo; m -= step {
		if packs += len(e.minutes[m].packsOrNil()); packs > MaxWindowEvents {
			lo = m + step
			break
		}
	}
	var run [][]noctuary.ContextEvent
	for m := lo; m <= want.hi; m += step {
		if mi := e.minutes[m]; mi != nil {
			evs := mi.events
			i := sort.Search(len(evs), func(i int) bool { return !evs[i].OccurredAt.Before(from) })
			j := sort.Search(len(evs), func(j int) bool { return evs[j].OccurredAt.After(to) })
			if i < j {
				run = append(run, evs[i:j])
			}
		}
	}
	return run
}

// mergeRuns merges sorted runs of events into one sorted slice.
func mergeRuns(runs [][][]noctuary.ContextEvent) []noctuary.ContextEvent {
	n := 0
	for _, r := range runs {
		for _, evs := range r {
			n += len(evs)
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]noctuary.ContextEvent, 0, n)
	for len(out) < n {
		best := -1
		for i, r := range runs {
			if len(r) > 0 && (best < 0 || r[0][0].OccurredAt.Before(runs[best][0][0].OccurredAt)) {
				best = i
			}
		}
		r := runs[best]
		out = append(out, r[0][0])
		if r[0] = r[0][1:]; len(r[0]) == 0 {
			runs[best] = r[1:]
		}
	}
	return out
}

func (m *minute) packsOrNil() []string {
	if m == nil {
		return nil
	}
	return m.packs
}

package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestLateEventsFoundByOccurredAt: however late an event is delivered
// within the retention, the window of when it occurred finds it.
func TestLateEventsFoundByOccurredAt(t *testing.T) {
	eachKind(t, store.Options{EventRetention: 72 * time.Hour}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		onset := clk.Now()
		from, to := onset.Add(-30*time.Minute), onset.Add(5*time.Minute)
		delays := map[string]time.Duration{"on time": 0, "2h late": 2 * time.Hour, "71h late": 71 * time.Hour}
		for _, name := range []string{"on time", "2h late", "71h late"} { // in order of delivery
			clk.Set(onset.Add(-4 * time.Minute).Add(delays[name]))
			must[int](t)(addOne(s, event("checkout", name, "deploy", onset.Add(-4*time.Minute))))
		}
		must[int](t)(addOne(s, event("checkout", "", "deploy", to.Add(time.Millisecond)))) // after the window
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, from, to))
		var ids []string
		for _, ev := range got {
			ids = append(ids, ev.ID)
		}
		if slices.Sort(ids); !slices.Equal(ids, []string{"2h late", "71h late", "on time"}) {
			t.Fatalf("window holds %q, want the three deploys delivered on time, 2h and 71h late", ids)
		}
	})
}

// TestAddEventsRefusesExpired: an event that occurred before the retention
// is refused, naming its index, and its batch is not stored.
func TestAddEventsRefusesExpired(t *testing.T) {
	eachKind(t, store.Options{EventRetention: time.Hour}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		now := clk.Now()
		batch := []noctuary.ContextEvent{
			event("checkout", "edge", "deploy", now.Add(-time.Hour)), // exactly at the retention: kept
			event("checkout", "old", "deploy", now.Add(-time.Hour-time.Millisecond)),
		}
		_, _, err := s.AddEvents(ctx, batch)
		wantCode(t, err, noctuary.EInvalid)
		if msg := noctuary.ErrorMessage(err); !strings.Contains(msg, "event 1: ") || !strings.Contains(msg, "beyond the event retention") {
			t.Fatalf("error = %q, want it to name event 1 and the retention", msg)
		}
		window := func() int {
			return len(must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, now.Add(-2*time.Hour), now)))
		}
		if n := window(); n != 0 {
			t.Fatalf("%d events stored from a refused batch", n)
		}
		if acc, _, err := s.AddEvents(ctx, batch[:1]); err != nil || acc != 1 || window() != 1 {
			t.Fatalf("an event exactly one retention old: accepted %d, %v", acc, err)
		}
	})
}

// TestEventsTrimmedByOccurredAt: retention counts from when an event
// occurred, on the injected clock, not from when it arrived; its id is
// forgotten with it.
func TestEventsTrimmedByOccurredAt(t *testing.T) {
	eachKind(t, store.Options{EventRetention: time.Hour}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		start := clk.Now()
		must[int](t)(addOne(s, event("checkout", "a", "deploy", start.Add(-50*time.Minute))))
		must[int](t)(addOne(s, event("checkout", "", "deploy", start.Add(-10*time.Minute))))
		clk.Add(20 * time.Minute) // "a" is now 70 minutes old
		if acc, dup, err := s.AddEvents(ctx, []noctuary.ContextEvent{
			event("checkout", "b", "deploy", clk.Now()),
			event("checkout", "a", "deploy", clk.Now()), // its first delivery has expired
		}); err != nil || acc != 2 || dup != 0 {
			t.Fatalf("accepted, duplicates = %d, %d, %v; want 2, 0", acc, dup, err)
		}
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, start.Add(-2*time.Hour), clk.Now()))
		if len(got) != 3 || !got[0].OccurredAt.Equal(start.Add(-10*time.Minute)) {
			t.Fatalf("after trimming: %+v; want the deploy of 10 minutes before start, then b and a", got)
		}
		if acc, dup, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "b", "deploy", clk.Now())}); err != nil || acc != 0 || dup != 1 {
			t.Fatalf("b again: accepted, duplicates = %d, %d, %v; want 0, 1", acc, dup, err)
		}
	})
}

// TestEventsOfOnePackFilteredByWindow: events stored by one request in one
// minute come back only where they fall in the window, with or without ids.
func TestEventsOfOnePackFilteredByWindow(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		minute := clk.Now().Truncate(time.Minute).Add(-10 * time.Minute)
		var batch []noctuary.ContextEvent
		for _, id := range []string{"", "x"} {
			for _, sec := range []int{5, 20, 40, 55} {
				batch = append(batch, event("checkout", id+strconv.Itoa(sec), "deploy", minute.Add(time.Duration(sec)*time.Second)))
			}
		}
		if acc, dup, err := s.AddEvents(ctx, batch); err != nil || acc != 8 || dup != 0 {
			t.Fatalf("accepted, duplicates = %d, %d, %v; want 8, 0", acc, dup, err)
		}
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, minute.Add(20*time.Second), minute.Add(40*time.Second)))
		var ids []string
		for _, ev := range got {
			ids = append(ids, ev.ID)
		}
		if slices.Sort(ids); !slices.Equal(ids, []string{"20", "40", "x20", "x40"}) {
			t.Fatalf("window holds %q, want the events at 20s and 40s", ids)
		}
	})
}

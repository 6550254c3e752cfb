package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func event(svc, id, kind string, at time.Time) noctuary.ContextEvent {
	return noctuary.ContextEvent{ID: id, Service: svc, Kind: kind, Source: "test", OccurredAt: at,
		Summary: "<" + kind + "> & more", Attributes: map[string]string{"sha": "a4f2c1"}}
}

func TestAddEventsDedupe(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		at := t0.Add(time.Minute)
		batches := []struct {
			evs            []noctuary.ContextEvent
			accepted, dups int
		}{
			{[]noctuary.ContextEvent{
				event("checkout", "a1", "deploy", at),
				event("checkout", "a1", "deploy", at), // repeated within the batch
				event("payments", "a1", "deploy", at), // same id, other service
				event("checkout", "", "deadlock", at), // no id: never deduplicated
				event("checkout", "", "deadlock", at),
			}, 4, 1},
			{[]noctuary.ContextEvent{
				event("checkout", "a1", "deploy", at), // repeated across batches
				event("checkout", "a2", "deploy", at),
			}, 1, 1},
			{nil, 0, 0},
		}
		for i, b := range batches {
			clk.Set(t0.Add(time.Duration(i+1) * time.Minute))
			acc, dup, err := s.AddEvents(ctx, b.evs)
			if err != nil || acc != b.accepted || dup != b.dups {
				t.Fatalf("batch %d: accepted, duplicates = %d, %d, %v; want %d, %d", i, acc, dup, err, b.accepted, b.dups)
			}
		}
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, t0, t0.Add(time.Hour)))
		if len(got) != 4 {
			t.Fatalf("checkout has %d events, want 4: %+v", len(got), got)
		}
		i := slices.IndexFunc(got, func(ev noctuary.ContextEvent) bool { return ev.ID == "a1" }) // ties in any order
		if want := event("checkout", "a1", "deploy", at); i < 0 || !equalEvent(got[i], want) {
			t.Errorf("stored %+v, want %+v among them", got, want)
		}
	})
}

func equalEvent(a, b noctuary.ContextEvent) bool {
	return a.ID == b.ID && a.Service == b.Service && a.Kind == b.Kind && a.Source == b.Source &&
		a.OccurredAt.Equal(b.OccurredAt) && a.Summary == b.Summary && a.Link == b.Link &&
		len(a.Attributes) == len(b.Attributes) && a.Attributes["sha"] == b.Attributes["sha"]
}

func TestAddEventsInvalidService(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		_, _, err := s.AddEvents(context.Background(), []noctuary.ContextEvent{event("bad{key}", "", "deploy", t0)})
		wantCode(t, err, noctuary.EInvalid)
		_, err = s.EventsInWindow(context.Background(), []string{"bad}"}, t0, t0)
		wantCode(t, err, noctuary.EInvalid)
	})
}

// TestEventsInWindow checks the window [t0, t0+30m] against events received
// at various times (the fake clock): only when they occurred counts.
func TestEventsInWindow(t *testing.T) {
	from, to := t0, t0.Add(30*time.Minute)
	cases := []struct {
		name               string
		svc                string
		occurred, received time.Time
		in                 bool
	}{
		{"source clock far ahead", "checkout", from.Add(4 * time.Minute), from.Add(-16 * time.Minute), true},
		{"source clock ahead", "checkout", from.Add(5 * time.Minute), from.Add(-10 * time.Minute), true},
		{"before the window", "checkout", from.Add(-time.Second), from, false},
		{"at from", "checkout", from, from, true},
		{"dependency", "payments", from.Add(3 * time.Minute), from.Add(3 * time.Minute), true},
		{"inside", "checkout", from.Add(10 * time.Minute), from.Add(10 * time.Minute), true},
		{"unrelated service", "search", from.Add(11 * time.Minute), from.Add(11 * time.Minute), false},
		{"at to", "checkout", to, to, true},
		{"after the window", "checkout", to.Add(time.Second), to.Add(time.Second), false},
		{"late delivery", "checkout", from.Add(20 * time.Minute), to.Add(50 * time.Minute), true},
		{"two hours late", "checkout", from.Add(21 * time.Minute), to.Add(2 * time.Hour), true},
		{"received long after, occurred after", "checkout", to.Add(time.Millisecond), to.Add(3 * time.Hour), false},
	}
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		var want []string
		for _, c := range cases { // in order of reception
			clk.Set(c.received)
			if _, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event(c.svc, c.name, "deploy", c.occurred)}); err != nil {
				t.Fatal(err)
			}
			if c.in {
				want = append(want, c.name)
			}
		}
		slices.SortStableFunc(want, func(a, b string) int { return occurred(cases, a).Compare(occurred(cases, b)) })
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"payments", "checkout", "checkout"}, from, to))
		var names []string
		for _, ev := range got {
			names = append(names, ev.ID)
		}
		if !slices.Equal(names, want) {
			t.Errorf("events = %q\nwant %q", names, want)
		}
		if got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, to, from)); got != nil {
			t.Errorf("reversed window: %v", got)
		}
		if got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, nil, from, to)); got != nil {
			t.Errorf("no services: %v", got)
		}
	})
}

func occurred(cases []struct {
	name               string
	svc                string
	occurred, received time.Time
	in                 bool
}, name string) time.Time {
	for _, c := range cases {
		if c.name == name {
			return c.occurred
		}
	}
	return time.Time{}
}

func TestEventsInWindowClockGoesBack(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		clk.Set(t0.Add(time.Hour))
		must[int](t)(addOne(s, event("checkout", "late", "deploy", t0.Add(time.Hour))))
		clk.Set(t0) // another replica whose clock is behind
		must[int](t)(addOne(s, event("checkout", "behind", "deploy", t0)))
		must[int](t)(addOne(s, event("checkout", "", "deploy", t0)))
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, t0, t0.Add(time.Hour)))
		if len(got) != 3 {
			t.Fatalf("got %d events, want 3", len(got))
		}
	})
}

func addOne(s *store.Store, ev noctuary.ContextEvent) (int, error) {
	acc, _, err := s.AddEvents(context.Background(), []noctuary.ContextEvent{ev})
	return acc, err
}

func TestEventRetention(t *testing.T) {
	eachKind(t, store.Options{EventRetention: time.Hour}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		old := make([]noctuary.ContextEvent, 350)
		for i := range old {
			old[i] = event("checkout", "", "deploy", t0)
		}
		old[0].ID = "x"
		must[int](t)(addOne(s, old[0]))
		if _, _, err := s.AddEvents(ctx, old[1:]); err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(3 * time.Hour))
		acc, dup, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "x", "deploy", t0.Add(3*time.Hour))})
		if err != nil || acc != 1 || dup != 0 {
			t.Fatalf("re-adding an id past retention: %d, %d, %v", acc, dup, err)
		}
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, t0.Add(-time.Hour), t0.Add(time.Hour)))
		if len(got) != 0 {
			t.Errorf("%d of 350 old events survived the retention", len(got))
		}
	})
}

func TestAddEventsLargeBatch(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		evs := make([]noctuary.ContextEvent, 2500) // several script calls for one service
		for i := range evs {
			evs[i] = event("checkout", "id-"+strconv.Itoa(i), "deploy", t0)
		}
		evs[1500].ID = "id-0" // a duplicate in another chunk
		acc, dup, err := s.AddEvents(ctx, evs)
		if err != nil || acc != 2499 || dup != 1 {
			t.Fatalf("accepted, duplicates = %d, %d, %v", acc, dup, err)
		}
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, t0, t0))
		if len(got) != 2499 {
			t.Errorf("stored %d events, want 2499", len(got))
		}
	})
}

package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestConcurrentAddEvents: many callers at once each get their own counts,
// and everything is stored.
func TestConcurrentAddEvents(t *testing.T) {
	storetest.EachKind(t, t0, store.Options{},
		func(t *testing.T, s *store.Store, clk *storetest.Clock) {
			ctx := context.Background()
			at := clk.Now().Add(-time.Minute)
			const callers, each = 40, 5
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for c := range callers {
				wg.Go(func() {
					var evs []noctuary.ContextEvent
					for i := range each {
						// Every other caller repeats the previous caller's ids.
						evs = append(evs, noctuary.ContextEvent{ID: fmt.Sprintf("e-%d-%d", c/2, i),
							Service: fmt.Sprintf("svc-%d", c%3), Kind: "deploy", Source: "ci", OccurredAt: at})
					}
					accepted, dups, err := s.AddEvents(ctx, evs)
					if err == nil && accepted+dups != each {
						err = fmt.Errorf("caller %d: accepted %d + duplicates %d != %d", c, accepted, dups, each)
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.EventsInWindow(ctx, []string{"svc-0", "svc-1", "svc-2"}, at.Add(-time.Minute), at.Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			// Pairs of callers share ids but write to different services
			// (c%3), so each caller's events are new in its own service.
			if len(got) != callers*each {
				t.Fatalf("%d events stored, want %d", len(got), callers*each)
			}
		})
}

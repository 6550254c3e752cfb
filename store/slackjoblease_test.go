package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// A worker keeps its job while it renews the lease, loses it once another
// worker took it, and only the worker holding a job can dead-letter it:
// each job is dead-lettered once.
func TestSlackJobLeaseAndDeadLetterOnce(t *testing.T) {
	for _, kind := range storetest.AllKinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, kind, store.Options{})
			if err := s.EnqueueSlackJob(ctx, []byte(`{"n":1}`)); err != nil {
				t.Fatal(err)
			}
			const lease = 500 * time.Millisecond
			id, data, _, err := s.NextSlackJob(ctx, "a", 0, lease)
			if err != nil || id == "" {
				t.Fatalf("next = %q, %v", id, err)
			}
			if held, err := s.RenewSlackJob(ctx, "b", id); held || err != nil {
				t.Errorf("b renewed a's job: %t, %v", held, err)
			}
			time.Sleep(lease + 100*time.Millisecond)
			if held, err := s.RenewSlackJob(ctx, "a", id); !held || err != nil {
				t.Fatalf("a could not renew its job: %t, %v", held, err)
			}
			if got, _, _, err := s.NextSlackJob(ctx, "b", 0, lease); err != nil || got != "" {
				t.Fatalf("b took a job whose lease was just renewed: %q, %v", got, err)
			}
			got, _, n, err := s.NextSlackJob(ctx, "b", 0, 0)
			if err != nil || got != id || n != 2 {
				t.Fatalf("b's reclaim = %q (delivery %d), %v", got, n, err)
			}
			for i, try := range []struct {
				worker string
				dead   bool
			}{{"a", false}, {"b", true}, {"b", false}} {
				dead, err := s.DeadLetterSlackJob(ctx, try.worker, id, data, "gave up")
				if dead != try.dead || err != nil {
					t.Errorf("try %d: %s dead-lettered: %t, %v; want %t", i, try.worker, dead, err, try.dead)
				}
			}
			if n, err := s.ReplayDeadSlackJobs(ctx); n != 1 || err != nil {
				t.Errorf("%d dead entries for one job (%v), want 1", n, err)
			}
		})
	}
}

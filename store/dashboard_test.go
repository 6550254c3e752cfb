package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestDashboardSessions: a session is found by its ID until it is deleted
// or its lifetime ends; another ID finds nothing; every kind of store.
func TestDashboardSessions(t *testing.T) {
	storetest.EachKind(t, time.Now(), store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		if err := s.PutSession(ctx, "sid-1", "csrf-1", time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSession(ctx, "sid-short", "csrf-2", 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if csrf, err := s.Session(ctx, "sid-1"); err != nil || csrf != "csrf-1" {
			t.Errorf("Session: %q, %v", csrf, err)
		}
		if _, err := s.Session(ctx, "sid-2"); noctuary.ErrorCode(err) != noctuary.ENotFound {
			t.Errorf("an unknown session: %v, want not_found", err)
		}
		if err := s.DeleteSession(ctx, "sid-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "sid-1"); noctuary.ErrorCode(err) != noctuary.ENotFound {
			t.Errorf("a deleted session: %v, want not_found", err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := s.Session(ctx, "sid-short")
			if noctuary.ErrorCode(err) == noctuary.ENotFound {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the session outlived its lifetime: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := s.PutSession(ctx, "", "csrf", time.Hour); noctuary.ErrorCode(err) != noctuary.EInvalid {
			t.Errorf("a session without ID: %v, want invalid", err)
		}
	})
}

// TestWebhookTimes: the last mark of each integration is kept.
func TestWebhookTimes(t *testing.T) {
	storetest.EachKind(t, time.Now(), store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		first := clk.Now().Add(-time.Hour).Truncate(time.Millisecond)
		for _, m := range []struct {
			id string
			at time.Time
		}{{"prod", first}, {"staging", first}, {"prod", first.Add(time.Minute)}} {
			if err := s.MarkWebhook(ctx, m.id, m.at); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.WebhookTimes(ctx)
		if err != nil || len(got) != 2 || !got["prod"].Equal(first.Add(time.Minute)) || !got["staging"].Equal(first) {
			t.Errorf("WebhookTimes: %v, %v", got, err)
		}
	})
}

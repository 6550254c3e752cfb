package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestSlackJobQueue(t *testing.T) {
	for _, kind := range storetest.AllKinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, kind, store.Options{})
			for _, job := range []string{`{"n":1}`, `{"n":2}`} {
				if err := s.EnqueueSlackJob(ctx, []byte(job)); err != nil {
					t.Fatal(err)
				}
			}
			id, data, n, err := s.NextSlackJob(ctx, "a", 0, time.Hour)
			if err != nil || string(data) != `{"n":1}` || n != 1 {
				t.Fatalf("first job = %q, %q, %d, %v", id, data, n, err)
			}
			if err := s.AckSlackJob(ctx, id); err != nil {
				t.Fatal(err)
			}
			id2, data, _, err := s.NextSlackJob(ctx, "a", 0, time.Hour)
			if err != nil || string(data) != `{"n":2}` {
				t.Fatalf("second job = %q, %v", data, err)
			}
			// Left unacknowledged (a crashed worker): another worker reclaims it.
			if id, _, _, err := s.NextSlackJob(ctx, "b", 0, time.Hour); err != nil || id != "" {
				t.Fatalf("a fresh pending job was reclaimed: %q, %v", id, err)
			}
			id3, data, n, err := s.NextSlackJob(ctx, "b", 0, 0)
			if err != nil || id3 != id2 || string(data) != `{"n":2}` || n != 2 {
				t.Fatalf("reclaimed = %q %q %d %v, want %q delivered twice", id3, data, n, err, id2)
			}
			if ok, err := s.DeadLetterSlackJob(ctx, "b", id3, data, "failed 2 times"); !ok || err != nil {
				t.Fatalf("dead letter = %t, %v", ok, err)
			}
			if id, _, _, err := s.NextSlackJob(ctx, "b", 0, 0); err != nil || id != "" {
				t.Fatalf("queue not empty after ack and dead letter: %q, %v", id, err)
			}
			// Replay puts the dead job back on the queue, once.
			if n, err := s.ReplayDeadSlackJobs(ctx); err != nil || n != 1 {
				t.Fatalf("replayed %d, %v; want 1", n, err)
			}
			if n, err := s.ReplayDeadSlackJobs(ctx); err != nil || n != 0 {
				t.Fatalf("second replay moved %d, %v; want 0", n, err)
			}
			if _, data, _, err := s.NextSlackJob(ctx, "c", 0, time.Hour); err != nil || string(data) != `{"n":2}` {
				t.Fatalf("replayed job = %q, %v", data, err)
			}
		})
	}
}

func TestSlackMessageRecordAndLock(t *testing.T) {
	for _, kind := range storetest.AllKinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, kind, store.Options{})
			got, err := s.SlackMessage(ctx, "Q1")
			if err != nil || len(got) != 0 {
				t.Fatalf("unknown message = %v, %v", got, err)
			}
			if err := s.SetSlackMessage(ctx, "Q1", map[string]string{"channel": "C1", "ts": "1.2"}); err != nil {
				t.Fatal(err)
			}
			if err := s.SetSlackMessage(ctx, "Q1", map[string]string{"ts": "1.3"}); err != nil {
				t.Fatal(err)
			}
			got, err = s.SlackMessage(ctx, "Q1")
			if err != nil || got["channel"] != "C1" || got["ts"] != "1.3" {
				t.Fatalf("message = %v, %v", got, err)
			}
			release, ok, err := s.LockSlackMessage(ctx, "Q1", time.Minute)
			if err != nil || !ok {
				t.Fatalf("lock = %v, %v", ok, err)
			}
			if _, ok, _ := s.LockSlackMessage(ctx, "Q1", time.Minute); ok {
				t.Fatal("the lock was taken twice")
			}
			release()
			if release, ok, _ := s.LockSlackMessage(ctx, "Q1", time.Minute); !ok {
				t.Fatal("the lock was not released")
			} else {
				release()
			}
		})
	}
}

func TestSlackJobsRedisDown(t *testing.T) {
	srv := storetest.StartRedis(t)
	ctx := context.Background()
	s, err := store.Open(ctx, srv.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	srv.Stop()
	if err := s.EnqueueSlackJob(ctx, []byte("{}")); noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("enqueue with Redis down = %v, want code %s", err, noctuary.EUnavailable)
	}
	if _, _, _, err := s.NextSlackJob(ctx, "a", 0, 0); noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("next with Redis down = %v, want code %s", err, noctuary.EUnavailable)
	}
}

package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func webhook(id, incident string) noctuary.WebhookEvent {
	return noctuary.WebhookEvent{
		ID: id, Type: noctuary.EventIncidentTriggered, Integration: "default",
		OccurredAt: t0, ReceivedAt: t0.Add(time.Second),
		Incident: noctuary.Incident{ID: incident, Title: "checkout 5xx", Status: "triggered"},
	}
}

func TestEnqueueWebhookDedupe(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		for i, want := range []bool{false, true, true} {
			dup, err := s.EnqueueWebhook(ctx, webhook("ev-1", "P1"))
			if err != nil || dup != want {
				t.Fatalf("enqueue #%d: duplicate = %v, %v; want %v", i, dup, err, want)
			}
		}
		if dup, err := s.EnqueueWebhook(ctx, webhook("ev-2", "P1")); dup || err != nil {
			t.Fatalf("another event: duplicate = %v, %v", dup, err)
		}
		_, err := s.EnqueueWebhook(ctx, webhook("", "P1"))
		wantCode(t, err, noctuary.EInvalid)
		lens := must[map[string]int64](t)(s.StreamLengths(ctx))
		if lens["webhooks"] != 2 {
			t.Errorf("queued = %d, want 2", lens["webhooks"])
		}
	})
}

func TestReadAckWebhooks(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		if msgs, err := s.ReadWebhooks(ctx, "w1", 10, 0); msgs != nil || err != nil {
			t.Fatalf("empty queue: %v, %v", msgs, err)
		}
		if msgs, err := s.ReadWebhooks(ctx, "w1", 10, 5*time.Millisecond); msgs != nil || err != nil {
			t.Fatalf("empty queue with block: %v, %v", msgs, err)
		}
		want := webhook("ev-1", "P1")
		must[bool](t)(s.EnqueueWebhook(ctx, want))
		must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-2", "P2")))
		msgs := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 10, time.Second))
		if len(msgs) != 2 || msgs[0].Deliveries != 1 || msgs[0].Event.ID != "ev-1" {
			t.Fatalf("read %+v", msgs)
		}
		if !msgs[0].Event.OccurredAt.Equal(want.OccurredAt) || msgs[0].Event.Incident.Title != want.Incident.Title {
			t.Errorf("event = %+v, want %+v", msgs[0].Event, want)
		}
		lens := must[map[string]int64](t)(s.StreamLengths(ctx))
		if lens["webhooks_pending"] != 2 {
			t.Errorf("pending = %d, want 2", lens["webhooks_pending"])
		}
		for _, m := range msgs {
			if err := s.AckWebhook(ctx, m.StreamID); err != nil {
				t.Fatal(err)
			}
		}
		lens = must[map[string]int64](t)(s.StreamLengths(ctx))
		if lens["webhooks"] != 0 || lens["webhooks_pending"] != 0 {
			t.Errorf("after ack: %v", lens)
		}
	})
}

func TestReadWebhooksWakesOnEnqueue(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		got := make(chan []noctuary.WebhookDelivery, 1)
		go func() {
			msgs, _ := s.ReadWebhooks(ctx, "w1", 1, 10*time.Second)
			got <- msgs
		}()
		time.Sleep(20 * time.Millisecond) // let the read block first; it also works if not
		must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-1", "P1")))
		if msgs := <-got; len(msgs) != 1 {
			t.Fatalf("blocked read got %v", msgs)
		}
	})
}

func TestClaimStaleWebhooks(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-1", "P1")))
		first := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "crashed", 1, 0))
		if claimed := must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(ctx, "w2", time.Hour, 10)); claimed != nil {
			t.Fatalf("claimed a fresh entry: %+v", claimed)
		}
		time.Sleep(30 * time.Millisecond)
		claimed := must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(ctx, "w2", 20*time.Millisecond, 10))
		if len(claimed) != 1 || claimed[0].StreamID != first[0].StreamID || claimed[0].Event.ID != "ev-1" {
			t.Fatalf("claimed %+v", claimed)
		}
		if claimed[0].Deliveries != 2 {
			t.Errorf("deliveries = %d, want 2", claimed[0].Deliveries)
		}
		if err := s.AckWebhook(ctx, claimed[0].StreamID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		if again := must[[]noctuary.WebhookDelivery](t)(s.ClaimStaleWebhooks(ctx, "w3", 20*time.Millisecond, 10)); again != nil {
			t.Errorf("claimed an acknowledged entry: %+v", again)
		}
	})
}

func TestDeadLetterAndReplay(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-1", "P1")))
		must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-2", "P2")))
		msgs := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 10, 0))
		for _, m := range msgs {
			m.Deliveries = 5
			if err := s.DeadLetterWebhook(ctx, m, "triage failed: boom"); err != nil {
				t.Fatal(err)
			}
		}
		lens := must[map[string]int64](t)(s.StreamLengths(ctx))
		if lens["webhooks"] != 0 || lens["webhooks_pending"] != 0 || lens["webhooks_dead"] != 2 {
			t.Fatalf("after dead-lettering: %v", lens)
		}
		dead := must[[]noctuary.DeadWebhook](t)(s.DeadWebhooks(ctx, 10))
		if len(dead) != 2 || dead[0].Event.ID != "ev-2" || dead[0].Reason != "triage failed: boom" ||
			dead[0].Deliveries != 5 || dead[0].StreamID != msgs[1].StreamID {
			t.Fatalf("dead = %+v", dead)
		}
		if n := must[int](t)(s.ReplayDeadWebhooks(ctx)); n != 2 {
			t.Fatalf("replayed %d, want 2", n)
		}
		if dead := must[[]noctuary.DeadWebhook](t)(s.DeadWebhooks(ctx, 10)); len(dead) != 0 {
			t.Fatalf("dead after replay = %+v", dead)
		}
		again := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 10, 0))
		if len(again) != 2 || again[0].Event.ID != "ev-1" || again[1].Event.ID != "ev-2" || again[0].Deliveries != 1 {
			t.Fatalf("replayed messages = %+v", again)
		}
	})
}

func TestReplayManyDeadWebhooks(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		const n = 250 // more than one replay page
		for i := range n {
			ev := webhook("ev-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "P1")
			must[bool](t)(s.EnqueueWebhook(ctx, ev))
		}
		for {
			msgs := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 100, 0))
			if msgs == nil {
				break
			}
			for _, m := range msgs {
				if err := s.DeadLetterWebhook(ctx, m, "x"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := must[int](t)(s.ReplayDeadWebhooks(ctx)); got != n {
			t.Fatalf("replayed %d, want %d", got, n)
		}
		lens := must[map[string]int64](t)(s.StreamLengths(ctx))
		if lens["webhooks"] != n || lens["webhooks_dead"] != 0 {
			t.Fatalf("after replay: %v", lens)
		}
	})
}

func TestUndecodableEntryAndLostGroup(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	s, err := store.Open(ctx, srv.URL, store.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })

	rdb.XAdd(ctx, &redis.XAddArgs{Stream: "noctuary:webhooks", Values: []any{"e", "{not json"}})
	if msgs := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 10, 0)); len(msgs) != 0 {
		t.Fatalf("read %+v", msgs)
	}
	dead := must[[]noctuary.DeadWebhook](t)(s.DeadWebhooks(ctx, 10))
	if len(dead) != 1 || !strings.HasPrefix(dead[0].Reason, "undecodable entry") {
		t.Fatalf("dead = %+v", dead)
	}

	rdb.FlushAll(ctx) // Redis restarted without persistence: the group is gone
	if msgs, err := s.ReadWebhooks(ctx, "w1", 10, 0); msgs != nil || err != nil {
		t.Fatalf("read after the group was lost: %v, %v", msgs, err)
	}
	must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-1", "P1")))
	if msgs := must[[]noctuary.WebhookDelivery](t)(s.ReadWebhooks(ctx, "w1", 10, 0)); len(msgs) != 1 {
		t.Fatalf("read %+v", msgs)
	}
}

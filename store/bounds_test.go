package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestKeysExpire checks the lifetimes of the keys that are not trimmed
// streams: the webhook dedupe outlives PagerDuty's 48 h of retries with
// room (docs/architecture.md, "HTTP contract" asks at least 72 h), and a silent service's events go
// one retention (and up to a minute, upkeep.go) after its last event.
func TestKeysExpire(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	s, err := store.Open(ctx, srv.URL, store.Options{EventRetention: 5 * time.Hour, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must[bool](t)(s.EnqueueWebhook(ctx, webhook("ev-ttl", "P1")))
	must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, webhook("ev-ttl", "P1"), "checkout"))
	if _, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "e1", "deploy", time.Now())}); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	tests := []struct {
		key      string
		min, max time.Duration
	}{
		{"{noctuary:webhooks}:seen:ev-ttl", 72 * time.Hour, 96 * time.Hour},
		{"noctuary:v1:incident:P1", 29 * 24 * time.Hour, 30 * 24 * time.Hour},
		{"noctuary:v2:events:{checkout}", 5 * time.Hour, 5*time.Hour + time.Minute},
		{"noctuary:v2:events:{checkout}:ids", 5 * time.Hour, 5*time.Hour + time.Minute},
	}
	for _, tt := range tests {
		ttl := must[time.Duration](t)(rdb.PTTL(ctx, tt.key).Result())
		if ttl < tt.min || ttl > tt.max {
			t.Errorf("%s expires in %v, want %v to %v", tt.key, ttl, tt.min, tt.max)
		}
	}
}

func TestLateWebhookDoesNotRollBackStatus(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx := context.Background()
		trig := webhook("ev-1", "P1")
		res := noctuary.WebhookEvent{ID: "ev-3", Type: noctuary.EventIncidentResolved, Integration: "default",
			OccurredAt: t0.Add(time.Hour), Incident: noctuary.Incident{ID: "P1"}}
		ack := noctuary.WebhookEvent{ID: "ev-2", Type: noctuary.EventIncidentAcknowledged, Integration: "default",
			OccurredAt: t0.Add(time.Minute), Agent: &noctuary.Reference{Summary: "Ada"},
			Incident: noctuary.Incident{ID: "P1", Urgency: "high"}}
		for _, ev := range []noctuary.WebhookEvent{trig, res, ack} { // the ack's retry arrives last
			must[noctuary.IncidentState](t)(s.UpdateIncident(ctx, ev, "checkout"))
		}
		st := must[noctuary.IncidentState](t)(s.IncidentState(ctx, "P1"))
		// The ack came before the resolution: it is the episode's
		// acknowledgement, but the status stays resolved.
		if st.Incident.Status != "resolved" || !st.ResolvedAt.Equal(res.OccurredAt) || st.AcknowledgedBy != "Ada" ||
			st.Incident.Urgency != "high" || !st.LastEventAt.Equal(res.OccurredAt) {
			t.Errorf("after a late acknowledged: %+v", st)
		}
	})
}

package store_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// lostMsg starts every log line about something Redis lost.
const lostMsg = "Redis had lost"

// lostLog counts the log records about something Redis lost.
type lostLog struct {
	slog.Handler
	n atomic.Int64
}

func (h *lostLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *lostLog) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, lostMsg) {
		h.n.Add(1)
	}
	return nil
}

// wiped is a store on a real redis-server, with a plain client to wipe it,
// its log and its metrics.
type wiped struct {
	s   *store.Store
	rdb *redis.Client
	log *lostLog
	reg *prometheus.Registry
}

func openWiped(t *testing.T, opt store.Options) *wiped {
	t.Helper()
	srv := storetest.StartRedis(t)
	w := &wiped{log: &lostLog{Handler: slog.DiscardHandler}, reg: prometheus.NewRegistry()}
	opt.Logger, opt.Registry = slog.New(w.log), w.reg
	s, err := store.Open(context.Background(), srv.URL, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	w.s = s
	w.rdb = redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = w.rdb.Close() })
	return w
}

func (w *wiped) flushAll(t *testing.T) {
	t.Helper()
	if err := w.rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// reseeds returns noctuary_store_reseeds_total{what=what}.
func (w *wiped) reseeds(t *testing.T, what string) float64 {
	t.Helper()
	families, err := w.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "noctuary_store_reseeds_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "what" && l.GetValue() == what {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// whileBlocked runs read, which blocks on a stream, wipes Redis while it
// waits, then runs enqueue; read must return what enqueue queued.
func (w *wiped) whileBlocked(t *testing.T, read func() error, enqueue func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- read() }()
	time.Sleep(200 * time.Millisecond) // let the read block
	w.flushAll(t)
	if err := enqueue(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a read blocked during the wipe failed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read blocked during the wipe did not return")
	}
}

// TestWebhookGroupRecreatedAfterWipe: a read blocked while Redis is wiped,
// and reads after, recreate the "triage" group and get the new entries; the
// recovery is logged once and counted.
func TestWebhookGroupRecreatedAfterWipe(t *testing.T) {
	w := openWiped(t, store.Options{})
	ctx := context.Background()
	ev := func(id string) noctuary.WebhookEvent {
		return noctuary.WebhookEvent{ID: id, Type: noctuary.EventIncidentTriggered, Integration: "default",
			Incident: noctuary.Incident{ID: "Q" + id}}
	}
	var got []noctuary.WebhookDelivery
	w.whileBlocked(t, func() (err error) {
		got, err = w.s.ReadWebhooks(ctx, "a", 10, 5*time.Second)
		return err
	}, func() error {
		_, err := w.s.EnqueueWebhook(ctx, ev("E1"))
		return err
	})
	if len(got) != 1 || got[0].Event.ID != "E1" {
		t.Fatalf("read %+v after the wipe, want E1", got)
	}
	if n := w.reseeds(t, "webhooks_group"); n != 1 {
		t.Errorf(`reseeds{what="webhooks_group"} = %v, want 1`, n)
	}
	if n := w.log.n.Load(); n != 1 {
		t.Errorf("%d log lines about the wipe, want 1", n)
	}

	// Wiped again while idle, then an entry arrives before the next read:
	// claiming finds nothing, and the read gets it.
	w.flushAll(t)
	if _, err := w.s.EnqueueWebhook(ctx, ev("E2")); err != nil {
		t.Fatal(err)
	}
	if claimed, err := w.s.ClaimStaleWebhooks(ctx, "a", 0, 10); err != nil || len(claimed) != 0 {
		t.Fatalf("claimed %+v, %v after the wipe; want nothing", claimed, err)
	}
	got, err := w.s.ReadWebhooks(ctx, "a", 10, 0)
	if err != nil || len(got) != 1 || got[0].Event.ID != "E2" {
		t.Fatalf("read %+v, %v after the second wipe; want E2", got, err)
	}
	if n := w.reseeds(t, "webhooks_group"); n != 2 {
		t.Errorf(`reseeds{what="webhooks_group"} = %v, want 2`, n)
	}
}

// TestSlackGroupRecreatedAfterWipe: the same for the Slack job queue.
func TestSlackGroupRecreatedAfterWipe(t *testing.T) {
	w := openWiped(t, store.Options{})
	ctx := context.Background()
	var data []byte
	w.whileBlocked(t, func() (err error) {
		_, data, _, err = w.s.NextSlackJob(ctx, "a", 5*time.Second, time.Hour)
		return err
	}, func() error { return w.s.EnqueueSlackJob(ctx, []byte(`{"n":1}`)) })
	if string(data) != `{"n":1}` {
		t.Fatalf("job %q after the wipe, want {\"n\":1}", data)
	}
	if n := w.reseeds(t, "slack_group"); n != 1 {
		t.Errorf(`reseeds{what="slack_group"} = %v, want 1`, n)
	}

	w.flushAll(t)
	if err := w.s.EnqueueSlackJob(ctx, []byte(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	id, data, _, err := w.s.NextSlackJob(ctx, "a", 0, time.Hour)
	if err != nil || string(data) != `{"n":2}` {
		t.Fatalf("job %q, %v after the second wipe; want {\"n\":2}", data, err)
	}
	if err := w.s.AckSlackJob(ctx, id); err != nil {
		t.Fatal(err)
	}
	if n := w.reseeds(t, "slack_group"); n != 2 {
		t.Errorf(`reseeds{what="slack_group"} = %v, want 2`, n)
	}
	if n := w.log.n.Load(); n != 2 {
		t.Errorf("%d log lines about the wipes, want 2", n)
	}
}

// declaredOptions declares checkout (enabled) and payments (not enabled)
// and one integration.
func declaredOptions() store.Options {
	return store.Options{
		Services: []noctuary.Service{
			{Key: "checkout", Environment: "production", PagerDutyServiceIDs: []string{"PCHECKOUT"}, Enabled: true, Mode: noctuary.ModeReadOnly},
			{Key: "payments", Environment: "production", PagerDutyServiceIDs: []string{"PPAYMENTS"}, Mode: noctuary.ModeReadOnly},
		},
		Integrations: []noctuary.Integration{{ID: "default", Environment: "production", Direction: noctuary.DirectionBidirectional}},
	}
}

// TestRecoverRestoresOnlyWhatIsMissing: Recover does nothing while the mark
// is there; once it is gone it restores what is missing and keeps the live
// settings that survived (a Slack disable); after a FLUSHALL everything
// comes back as declared.
func TestRecoverRestoresOnlyWhatIsMissing(t *testing.T) {
	w := openWiped(t, declaredOptions())
	ctx := context.Background()
	if err := w.s.MarkSeeded(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Recover(ctx); err != nil || w.reseeds(t, "declared") != 0 {
		t.Fatalf("Recover with nothing lost: %v, %v reseeds", err, w.reseeds(t, "declared"))
	}
	if w.rdb.Exists(ctx, "noctuary:service:{payments}").Val() != 0 {
		t.Fatal("Recover created payments while nothing was lost")
	}
	for _, d := range declaredOptions().Services {
		if _, err := w.s.CreateServiceIfMissing(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.UpdateService(ctx, "checkout", func(s *noctuary.Service) error { s.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	// A partial loss: the mark and one mapping are gone, the settings stay.
	if err := w.rdb.Del(ctx, "noctuary:v1:seeded", "noctuary:pdservice:PPAYMENTS").Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.s.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if svc, err := w.s.ServiceByPagerDutyID(ctx, "PCHECKOUT"); err != nil || svc.Enabled {
		t.Errorf("checkout = %+v, %v after Recover; the live disable must survive", svc, err)
	}
	if got := w.rdb.Get(ctx, "noctuary:pdservice:PPAYMENTS").Val(); got != "payments" {
		t.Errorf("mapping of PPAYMENTS = %q, want payments", got)
	}

	w.flushAll(t)
	if err := w.s.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if svc, err := w.s.Service(ctx, "checkout"); err != nil || !svc.Enabled {
		t.Errorf("checkout = %+v, %v after a FLUSHALL; want it back as declared (enabled)", svc, err)
	}
	if got := w.rdb.HGet(ctx, "noctuary:v1:integration:default", "environment").Val(); got != "production" {
		t.Errorf("integration record environment = %q, want production", got)
	}
	for _, stream := range []string{"noctuary:webhooks", "noctuary:v1:slack:jobs"} {
		if n, err := w.rdb.XInfoGroups(ctx, stream).Result(); err != nil || len(n) != 1 {
			t.Errorf("groups of %s = %v, %v; want one", stream, n, err)
		}
	}
	if n := w.reseeds(t, "declared"); n != 2 {
		t.Errorf(`reseeds{what="declared"} = %v, want 2`, n)
	}
	if n := w.log.n.Load(); n != 2 {
		t.Errorf("%d log lines about the losses, want 2", n)
	}
}

// TestLookupRestoresDeclaredService: right after a wipe, before any periodic
// check, looking up a declared service (by PagerDuty ID, by key, or to
// change it) restores it; an unknown one stays unknown and restores nothing.
func TestLookupRestoresDeclaredService(t *testing.T) {
	w := openWiped(t, declaredOptions())
	ctx := context.Background()
	w.flushAll(t)
	if _, err := w.s.ServiceByPagerDutyID(ctx, "PUNKNOWN"); noctuary.ErrorCode(err) != noctuary.ENotFound {
		t.Fatalf("unknown PagerDuty service: %v, want not found", err)
	}
	if n := w.rdb.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("looking up an undeclared service wrote %d keys", n)
	}
	svc, err := w.s.ServiceByPagerDutyID(ctx, "PCHECKOUT")
	if err != nil || svc.Key != "checkout" || !svc.Enabled {
		t.Fatalf("PCHECKOUT after the wipe = %+v, %v; want checkout, enabled", svc, err)
	}
	if n := w.reseeds(t, "declared"); n != 1 {
		t.Errorf(`reseeds{what="declared"} = %v, want 1`, n)
	}

	w.flushAll(t)
	if svc, err := w.s.Service(ctx, "payments"); err != nil || svc.Enabled {
		t.Fatalf("payments after the wipe = %+v, %v; want it as declared", svc, err)
	}
	w.flushAll(t)
	svc, err = w.s.UpdateService(ctx, "checkout", func(s *noctuary.Service) error { s.Paused = true; return nil })
	if err != nil || !svc.Paused || !svc.Enabled {
		t.Fatalf("pausing checkout after the wipe = %+v, %v", svc, err)
	}
	if n := w.reseeds(t, "declared"); n != 3 {
		t.Errorf(`reseeds{what="declared"} = %v, want 3`, n)
	}
}

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

func missFixture(triageID, user string, signal int, text string) noctuary.Miss {
	tr := noctuary.Triage{ID: triageID, Service: "checkout", Engine: "heuristic", Hypothesis: "Deploy sha=a4f2c1",
		Incident: noctuary.Incident{ID: "Q1"}, Note: "Noctuary Context\n…", NoteID: "PNOTE",
		Signals: []noctuary.Signal{
			{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: t0}},
			{Event: noctuary.ContextEvent{Service: "postgres-main", Kind: "disk_full", Source: "prometheus", OccurredAt: t0}},
		}}
	m := noctuary.Miss{Triage: tr, User: user, Text: text}
	if signal >= 0 {
		m.Signal = &signal
	}
	return m
}

// A miss is the user's vote "wrong" with the cause named; it is kept 90
// days, replaced by the user's later miss of the triage, and withdrawn by
// their vote "right".
func TestMisses(t *testing.T) {
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, clk *storetest.Clock) {
		ctx := context.Background()
		must0(t, s.PutService(ctx, noctuary.Service{Key: "checkout", Environment: "prod", Mode: noctuary.ModeReadOnly}))
		must0(t, s.RecordMiss(ctx, missFixture("tr_1", "U1", 0, "")))
		must0(t, s.RecordMiss(ctx, missFixture("tr_1", "U1", 1, "the disk of the primary filled up"))) // replaces
		must0(t, s.RecordMiss(ctx, missFixture("tr_2", "U2", -1, "a cloud zone outage")))
		misses := must[[]noctuary.Miss](t)(s.Misses(ctx))
		if len(misses) != 2 {
			t.Fatalf("Misses = %+v, want 2", misses)
		}
		first := misses[0]
		ev, ok := first.CauseEvent()
		if first.Triage.ID != "tr_1" || !ok || ev.Kind != "disk_full" || first.Text == "" || !first.At.Equal(t0) ||
			first.Triage.Note != "" || first.Triage.NoteID != "" {
			t.Errorf("first miss = %+v, want tr_1's disk_full as recorded, without the note", first)
		}
		if _, ok := misses[1].CauseEvent(); ok || misses[1].Text != "a cloud zone outage" {
			t.Errorf("second miss = %+v, want text only", misses[1])
		}
		p := must[[]noctuary.WindowPrecision](t)(s.FeedbackPrecision(ctx, "checkout"))
		if p[0].All != (noctuary.Verdicts{Wrong: 2}) {
			t.Errorf("precision = %+v, want the misses as 2 votes wrong", p[0])
		}
		must0(t, s.RecordFeedback(ctx, vote("tr_2", "heuristic", "U2", true))) // U2 changes their mind
		if misses := must[[]noctuary.Miss](t)(s.Misses(ctx)); len(misses) != 1 || misses[0].Triage.ID != "tr_1" {
			t.Errorf("after U2's vote right: %+v, want tr_1's miss only", misses)
		}
		clk.Add(noctuary.FeedbackRetention + time.Minute)
		if misses := must[[]noctuary.Miss](t)(s.Misses(ctx)); len(misses) != 0 {
			t.Errorf("after the retention: %+v, want none", misses)
		}
	})
}

// The feedback keys expire 90 days after the last vote (triage votes with
// the triage), measured by Redis from the write: relative expiries.
func TestFeedbackKeysExpire(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	s, err := store.Open(ctx, srv.URL, store.Options{Now: storetest.NewClock(t0).Now, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must0(t, s.RecordMiss(ctx, missFixture("tr_1", "U1", 0, "")))
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	day := 24 * time.Hour
	for key, want := range map[string]time.Duration{
		"noctuary:v1:feedback:{checkout}:tr_1":         30 * day,
		"noctuary:v1:feedback:{checkout}:votes":        90 * day,
		"noctuary:v1:feedback:{checkout}:misses":       90 * day,
		"noctuary:v1:feedback:{checkout}:miss:tr_1:U1": 90 * day,
	} {
		ttl := must[time.Duration](t)(rdb.PTTL(ctx, key).Result())
		if ttl < want-time.Minute || ttl > want {
			t.Errorf("%s expires in %v, want %v", key, ttl, want)
		}
	}
}

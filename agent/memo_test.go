package agent

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// TestCorrelateMemoMatchesNone checks, on random dense windows (a new seed
// each run, logged), that Correlate gives the same Correlation (order,
// scores, reasons, classes) with an EventMemo, cold and warm, shared by
// concurrent correlations, and small enough to evict mid-window, as
// without one; and that a memo that saw a window gives the same for the
// next, shifted one with new events and another paging service.
func TestCorrelateMemoMatchesNone(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	shared, tiny := NewEventMemo(DefaultMemoEvents), NewEventMemo(64)
	for w := range 6 {
		n, services := 150+r.IntN(250), 1+r.IntN(5)
		events := denseWindow(seed+uint64(w), n, services, seedOnset)
		svc := denseService(r.IntN(services))
		if r.IntN(3) == 0 {
			svc.Key = fmt.Sprintf("svc-%02d", r.IntN(services))
		}
		inc := seedIncident()
		if r.IntN(2) == 0 {
			inc.Title = "TLS handshake failed for svc-01: x509 certificate, deadlock detected"
		}
		onset := seedOnset.Add(time.Duration(r.IntN(600)-300) * time.Second)
		opt := CorrelateOptions{Service: svc}
		want := Correlate(inc, onset, events, opt)
		same := func(memo *EventMemo, what string) {
			t.Helper()
			o := opt
			o.Memo = memo
			if got := Correlate(inc, onset, events, o); !reflect.DeepEqual(got, want) {
				t.Fatalf("window %d, %s: the correlation differs from the one without memo\ngot  %+v\nwant %+v", w, what, got, want)
			}
		}
		same(NewEventMemo(DefaultMemoEvents), "cold memo")
		same(shared, "shared memo (warm from earlier windows)")
		same(shared, "warm memo")
		same(tiny, "memo of 64 events")
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { same(shared, "concurrent warm memo") })
		}
		wg.Wait()
		// The next triage of a storm: the window moved on, new events came,
		// and another service pages.
		next := append(events[:len(events):len(events)], denseWindow(seed+uint64(w)+100, 20, services, seedOnset)...)
		nextOpt := CorrelateOptions{Service: denseService(services - 1)}
		nextOnset := onset.Add(90 * time.Second)
		wantNext := Correlate(inc, nextOnset, next, nextOpt)
		nextOpt.Memo = shared
		if got := Correlate(inc, nextOnset, next, nextOpt); !reflect.DeepEqual(got, wantNext) {
			t.Fatalf("window %d, next triage: the correlation differs from the one without memo", w)
		}
	}
	if n := tiny.Len(); n > 64 {
		t.Errorf("a memo of 64 events holds %d", n)
	}
}

// TestEventMemoTellsEventsApart checks that the memo gives an event what it
// computed for that event only: an event that differs from one it holds in
// any field, or whose attributes changed after it was seen, is computed
// anew, even when their hashes collide (here every hash does).
func TestEventMemoTellsEventsApart(t *testing.T) {
	at := seedOnset.Add(-2 * time.Minute)
	base := noctuary.ContextEvent{ID: "e1", Service: "checkout", Kind: "status_report", Source: "statuspage",
		OccurredAt: at, Summary: "provider report", Attributes: map[string]string{"status": "operational"}}
	variants := []func(e *noctuary.ContextEvent){
		func(e *noctuary.ContextEvent) { e.Attributes["status"] = "major_outage" },
		func(e *noctuary.ContextEvent) { e.Kind = "deploy" },
		func(e *noctuary.ContextEvent) { e.Summary = "ERROR: provider down" },
		func(e *noctuary.ContextEvent) { e.Source = "alertmanager" },
		func(e *noctuary.ContextEvent) {
			e.Attributes["flag"] = "dark-mode"
			e.Attributes["old_value"] = "on"
			e.Attributes["to"] = "off"
		},
		func(e *noctuary.ContextEvent) { e.Kind = "alert"; e.ID = "e2"; e.Link = "https://status.example.com" },
		func(e *noctuary.ContextEvent) { e.Kind = "alert"; e.OccurredAt = e.OccurredAt.Add(time.Second) },
	}
	memo := NewEventMemo(1000)
	memo.hash = func(*noctuary.ContextEvent) uint64 { return 1 }
	opt := CorrelateOptions{Service: noctuary.Service{Key: "checkout"}, Memo: memo}
	inc := seedIncident()
	for k, vary := range variants {
		e := base
		e.Attributes = maps.Clone(base.Attributes)
		Correlate(inc, seedOnset, []noctuary.ContextEvent{base}, opt)
		vary(&e)
		got := Correlate(inc, seedOnset, []noctuary.ContextEvent{base, e}, opt)
		want := Correlate(inc, seedOnset, []noctuary.ContextEvent{base, e}, CorrelateOptions{Service: opt.Service})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("variant %d: with memo %+v, want %+v", k, got.Signals, want.Signals)
		}
	}
	// The caller's map changes after the memo saw the event.
	e := base
	e.Attributes = maps.Clone(base.Attributes)
	Correlate(inc, seedOnset, []noctuary.ContextEvent{e}, opt)
	e.Attributes["status"] = "major_outage"
	got := Correlate(inc, seedOnset, []noctuary.ContextEvent{e}, opt)
	if c := got.Signals[0].Class; c != noctuary.ClassFailure {
		t.Fatalf("an event whose status became major_outage after the memo saw it is %s, want failure", c)
	}
}

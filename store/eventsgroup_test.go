package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
	"github.com/redis/go-redis/v9"
)

// groupStore opens a store on a redis-server of its own, with the clock at
// t0, and returns it, a client of that server and a time for events in its
// retention.
func groupStore(t *testing.T) (*store.Store, *redis.Client, time.Time) {
	ss, rdb := replicas(t, 1, store.Options{}, storetest.NewClock(t0))
	return ss[0], rdb, t0.Add(-time.Minute)
}

// TestGroupCommit: small writes that wait while a group is in flight are
// sent as one pipeline (one log XADD per service for all of them), and each
// gets its own result: a write whose key is broken fails alone, a write
// whose context ended while it waited is not stored, the others are.
func TestGroupCommit(t *testing.T) {
	s, rdb, at := groupStore(t)
	ctx := context.Background()
	// A key of the wrong type: its ZADD fails with WRONGTYPE.
	must0(t, rdb.Set(ctx, "noctuary:v2:events:{broken}", "x", 0).Err())

	type write struct {
		ev       noctuary.ContextEvent
		canceled bool
		ok       bool
	}
	writes := []write{
		{ev: event("broken", "", "deploy", at)},
		{ev: event("gone", "", "deploy", at), canceled: true},
		{ev: event("payments", "p1", "deploy", at), ok: true},
	}
	for i := range 6 {
		writes = append(writes, write{ev: event("checkout", "", fmt.Sprint("deploy-", i), at), ok: true})
	}
	canceled, cancel := context.WithCancel(ctx)
	waiting, release := store.HoldGroupCommit(s)
	xadds, zadds := commandCalls(t, rdb, "xadd"), commandCalls(t, rdb, "zadd")
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() {
			wctx := ctx
			if w.canceled {
				wctx = canceled
			}
			var acc int
			acc, _, errs[i] = s.AddEvents(wctx, []noctuary.ContextEvent{w.ev})
			if errs[i] == nil && acc != 1 {
				errs[i] = fmt.Errorf("accepted %d", acc)
			}
		})
	}
	for deadline := time.Now().Add(10 * time.Second); waiting() < len(writes); runtime.Gosched() {
		if time.Now().After(deadline) {
			release()
			t.Fatalf("%d calls wait for the group, want %d: some did not join it", waiting(), len(writes))
		}
	}
	cancel()
	release()
	wg.Wait()

	for i, w := range writes {
		if got := errs[i] == nil; got != w.ok {
			t.Errorf("write %d (%s): error %v, want success %v", i, w.ev.Service, errs[i], w.ok)
		}
	}
	if !errors.Is(errs[1], context.Canceled) {
		t.Errorf("the canceled write's error = %v, want context.Canceled", errs[1])
	}
	// One log XADD per service for the group (broken, checkout) and the
	// script's for payments: 3, not one per write (8). One ZADD per write
	// sent and two in the script: 9 (the canceled write is not sent).
	if n := commandCalls(t, rdb, "xadd") - xadds; n != 3 {
		t.Errorf("%d XADDs for the group, want 3", n)
	}
	if n := commandCalls(t, rdb, "zadd") - zadds; n != 9 {
		t.Errorf("%d ZADDs for the group, want 9", n)
	}
	for svc, want := range map[string]int{"checkout": 6, "payments": 1, "gone": 0} {
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{svc}, at, at))
		if len(got) != want {
			t.Errorf("%s holds %d events, want %d", svc, len(got), want)
		}
	}
}

// TestAddEventsConcurrent: many single-event writers at once (grouped as
// they come) each get their own count, and every event is stored once.
func TestAddEventsConcurrent(t *testing.T) {
	const writers, each = 16, 25
	eachKind(t, store.Options{}, func(t *testing.T, s *store.Store, _ *storetest.Clock) {
		ctx, at := context.Background(), t0.Add(-time.Minute)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					id := ""
					if i%2 == 0 {
						id = fmt.Sprintf("w%d-%d", w, i)
					}
					ev := event(fmt.Sprint("svc", w%3), id, fmt.Sprintf("k%d-%d", w, i), at)
					// Every id twice: the second is a duplicate.
					evs := []noctuary.ContextEvent{ev}
					acc, dup, err := s.AddEvents(ctx, evs)
					if err != nil || acc != 1 || dup != 0 {
						t.Errorf("AddEvents = %d, %d, %v; want 1, 0", acc, dup, err)
					}
					if id == "" {
						continue
					}
					if acc, dup, err = s.AddEvents(ctx, evs); err != nil || acc != 0 || dup != 1 {
						t.Errorf("AddEvents again = %d, %d, %v; want 0, 1", acc, dup, err)
					}
				}
			})
		}
		wg.Wait()
		got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"svc0", "svc1", "svc2"}, at, at))
		kinds := map[string]int{}
		for _, ev := range got {
			kinds[ev.Kind]++
		}
		if len(got) != writers*each || len(kinds) != writers*each {
			t.Errorf("stored %d events of %d kinds, want %d once each", len(got), len(kinds), writers*each)
		}
	})
}

// TestAddEventsGroupAcrossKill: concurrent single-event writers across a
// Redis SIGKILL and restart (every write on disk before its answer): each
// write either succeeds, and its event is there after the restart, or fails
// as unavailable. Nothing acknowledged is lost.
func TestAddEventsGroupAcrossKill(t *testing.T) {
	const writers = 8
	aof := storetest.StartAOF(t)
	ctx := context.Background()
	s, err := store.Open(ctx, aof.URL, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	at := time.Now().Add(-time.Minute)

	var mu sync.Mutex
	acked := map[string]bool{}
	failed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ""
				if i%2 == 0 {
					id = fmt.Sprintf("w%d-%d", w, i)
				}
				kind := fmt.Sprintf("k%d-%d", w, i)
				_, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", id, kind, at)})
				mu.Lock()
				if err == nil {
					acked[kind] = true
				} else {
					failed++
					if noctuary.ErrorCode(err) != noctuary.EUnavailable {
						t.Errorf("AddEvents during the outage: %v, want code unavailable", err)
					}
				}
				mu.Unlock()
			}
		})
	}
	progress := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), failed
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("no %s within 20 s", what)
			}
		}
	}
	waitFor("writes before the kill", func() bool { n, _ := progress(); return n > 200 })
	aof.Kill()
	waitFor("failed write during the outage", func() bool { _, f := progress(); return f > 0 })
	aof.Start()
	before, _ := progress()
	waitFor("writes after the restart", func() bool { n, _ := progress(); return n > before+200 })
	close(stop)
	wg.Wait()

	got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, at, at))
	stored := map[string]bool{}
	for _, ev := range got {
		stored[ev.Kind] = true
	}
	lost := 0
	for kind := range acked {
		if !stored[kind] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events are not stored after the restart", lost, len(acked))
	}
	t.Logf("%d writes acknowledged, %d failed during the outage", len(acked), failed)
}

// TestAddEventsFailsWhenNotSent: a write whose pipeline never reached Redis
// fails, even when go-redis sets no error on its commands: a Redis error
// answered while connecting (here WRONGPASS, after the password changed and
// the connections were closed; LOADING after a restart is another) is
// returned by the pipeline alone. Nothing unstored is acknowledged.
func TestAddEventsFailsWhenNotSent(t *testing.T) {
	srv := storetest.StartRedis(t)
	ctx := context.Background()
	admin := redis.NewClient(must[*redis.Options](t)(redis.ParseURL(srv.URL)))
	t.Cleanup(func() { _ = admin.Close() })
	must0(t, admin.ConfigSet(ctx, "requirepass", "first").Err())
	url := strings.Replace(srv.URL, "redis://", "redis://:first@", 1)
	s, err := store.Open(ctx, url, store.Options{Now: storetest.NewClock(t0).Now, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	at := t0.Add(-time.Minute)
	must0(t, admin.ConfigSet(ctx, "requirepass", "second").Err())
	must0(t, admin.ClientKillByFilter(ctx, "TYPE", "normal", "SKIPME", "yes").Err())
	for i, id := range []string{"", "with-id"} {
		acc, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", id, fmt.Sprint("deploy-", i), at)})
		if noctuary.ErrorCode(err) != noctuary.EUnavailable {
			t.Errorf("AddEvents %d without a connection = %d, %v; want code unavailable", i, acc, err)
		}
	}
	if n := admin.ZCard(ctx, "noctuary:v2:events:{checkout}").Val(); n != 0 {
		t.Errorf("%d packs stored, want 0", n)
	}
}

// TestAddEventsNoScriptKeepsOtherErrors: when a write's script call is
// answered NOSCRIPT (the script cache was flushed) and another of its
// commands failed, the script call runs again but the write still fails:
// the failed command's events are not stored, and must not be counted as
// duplicates of a successful write.
func TestAddEventsNoScriptKeepsOtherErrors(t *testing.T) {
	s, rdb, at := groupStore(t)
	ctx := context.Background()
	must0(t, rdb.Set(ctx, "noctuary:v2:events:{broken}", "x", 0).Err())
	must0(t, rdb.ScriptFlush(ctx).Err())
	// The script call (payments, with an id) comes first, the failing ZADD
	// (broken) second.
	evs := []noctuary.ContextEvent{event("payments", "p1", "deploy", at), event("broken", "", "deploy", at)}
	acc, dup, err := s.AddEvents(ctx, evs)
	if noctuary.ErrorCode(err) != noctuary.EUnavailable {
		t.Errorf("AddEvents = %d accepted, %d duplicates, %v; want code unavailable", acc, dup, err)
	}
}

// TestGroupCommitLogErrorsPerService: when the log XADD of one service of
// a group fails (in a Redis Cluster, its shard may be down), only the
// writes to that service fail: the others are stored and logged, and
// failing them would have their clients send them again (a second copy of
// events without ids).
func TestGroupCommitLogErrorsPerService(t *testing.T) {
	s, rdb, at := groupStore(t)
	ctx := context.Background()
	// A log of the wrong type: its XADD fails with WRONGTYPE.
	must0(t, rdb.Set(ctx, "noctuary:v2:events:{unlogged}:log", "x", 0).Err())
	services := []string{"unlogged", "checkout", "checkout", "payments"}
	waiting, release := store.HoldGroupCommit(s)
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() {
			_, _, errs[i] = s.AddEvents(ctx, []noctuary.ContextEvent{event(svc, "", fmt.Sprint("deploy-", i), at)})
		})
	}
	for deadline := time.Now().Add(10 * time.Second); waiting() < len(services); runtime.Gosched() {
		if time.Now().After(deadline) {
			release()
			t.Fatalf("%d calls wait for the group, want %d: some did not join it", waiting(), len(services))
		}
	}
	release()
	wg.Wait()
	for i, svc := range services {
		if got, want := errs[i] != nil, svc == "unlogged"; got != want {
			t.Errorf("write %d (%s): error %v, want failure %v", i, svc, errs[i], want)
		}
	}
}

// TestGroupCommitPanicAcknowledgesNothing: when sending a group panics,
// its leader's caller gets the panic and every other write of the group
// fails: none was sent, none is acknowledged, and none waits forever.
func TestGroupCommitPanicAcknowledgesNothing(t *testing.T) {
	s, _, at := groupStore(t)
	ctx := context.Background()
	const writes = 3
	waiting, release := store.HoldGroupCommit(s)
	errs, panicked := make([]error, writes), make([]bool, writes)
	var wg sync.WaitGroup
	for i := range writes {
		wg.Go(func() {
			defer func() { panicked[i] = recover() != nil }()
			_, _, errs[i] = s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "", fmt.Sprint("deploy-", i), at)})
		})
	}
	for deadline := time.Now().Add(10 * time.Second); waiting() < writes; runtime.Gosched() {
		if time.Now().After(deadline) {
			release()
			t.Fatalf("%d calls wait for the group, want %d: some did not join it", waiting(), writes)
		}
	}
	store.PanicInNextPipeline(s)
	release()
	wg.Wait()
	n := 0
	for i := range writes {
		switch {
		case panicked[i]:
			n++
		case errs[i] == nil:
			t.Errorf("write %d was acknowledged, though its group was never sent", i)
		}
	}
	if n != 1 {
		t.Errorf("%d writers got the panic, want 1 (the group's leader)", n)
	}
}

// TestGroupCommitStalledLane: while one group's pipeline stalls, small
// writes go on in the other lane, and the stalled write is stored once its
// pipeline goes.
func TestGroupCommitStalledLane(t *testing.T) {
	s, _, at := groupStore(t)
	ctx := context.Background()
	stalled, release := store.StallNextPipeline(s)
	defer release()
	first := make(chan error, 1)
	go func() {
		_, _, err := s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "", "stalled", at)})
		first <- err
	}()
	<-stalled
	for i := range 20 { // one at a time: each is a group of its own in the free lane
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, _, err := s.AddEvents(wctx, []noctuary.ContextEvent{event("checkout", "", fmt.Sprint("deploy-", i), at)})
		cancel()
		if err != nil {
			t.Fatalf("write %d while a lane stalls: %v", i, err)
		}
	}
	select {
	case err := <-first:
		t.Fatalf("the stalled write returned (%v) before its pipeline went", err)
	default:
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("the stalled write, released: %v", err)
	}
	if got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, at, at)); len(got) != 21 {
		t.Errorf("checkout holds %d events, want 21", len(got))
	}
}

// TestGroupCommitWaiterLeavesWhenCanceled: a write waiting for a group
// returns as soon as its context ends, without waiting for the group in
// flight (more than 64 waiters wait more than two pipelines), and is not
// sent; the others are.
func TestGroupCommitWaiterLeavesWhenCanceled(t *testing.T) {
	s, _, at := groupStore(t)
	ctx := context.Background()
	waiting, release := store.HoldGroupCommit(s)
	canceled, cancel := context.WithCancel(ctx)
	left := make(chan error, 1)
	var kept error
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, err := s.AddEvents(canceled, []noctuary.ContextEvent{event("gone", "", "deploy", at)})
		left <- err
	})
	wg.Go(func() {
		_, _, kept = s.AddEvents(ctx, []noctuary.ContextEvent{event("checkout", "", "deploy", at)})
	})
	for deadline := time.Now().Add(10 * time.Second); waiting() < 2; runtime.Gosched() {
		if time.Now().After(deadline) {
			release()
			t.Fatalf("%d calls wait for the group, want 2", waiting())
		}
	}
	cancel()
	for deadline := time.Now().Add(10 * time.Second); waiting() > 1; runtime.Gosched() {
		if time.Now().After(deadline) {
			release()
			wg.Wait()
			t.Fatalf("%d calls wait for the group after one's context ended, want 1", waiting())
		}
	}
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Errorf("the canceled write's error = %v, want context.Canceled", err)
	}
	release()
	wg.Wait()
	if kept != nil {
		t.Errorf("the other write failed: %v", kept)
	}
	for svc, want := range map[string]int{"checkout": 1, "gone": 0} {
		if got := must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{svc}, at, at)); len(got) != want {
			t.Errorf("%s holds %d events, want %d", svc, len(got), want)
		}
	}
}

// TestGroupCommitCanceledWriters: concurrent writers, a third of whose
// contexts end at once as they write (leaving the queue, or ending while
// made leader): every write returns, succeeds or fails with its context's
// error (a write not canceled succeeds), and each acknowledged event is
// stored once.
func TestGroupCommitCanceledWriters(t *testing.T) {
	const writers, each = 16, 40
	s, _, at := groupStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				kind := fmt.Sprintf("k%d-%d", w, i)
				wctx, cancel := context.WithCancel(ctx)
				canceled := (w+i)%3 == 0
				if canceled {
					go cancel()
				}
				_, _, err := s.AddEvents(wctx, []noctuary.ContextEvent{event("checkout", "", kind, at)})
				cancel()
				switch {
				case err == nil:
					mu.Lock()
					acked[kind] = true
					mu.Unlock()
				case !canceled || !errors.Is(err, context.Canceled):
					t.Errorf("write %s (canceled %v): %v", kind, canceled, err)
				}
			}
		})
	}
	wg.Wait()
	stored := map[string]int{}
	for _, ev := range must[[]noctuary.ContextEvent](t)(s.EventsInWindow(ctx, []string{"checkout"}, at, at)) {
		stored[ev.Kind]++
	}
	for kind := range acked {
		if stored[kind] != 1 {
			t.Errorf("acknowledged %s is stored %d times, want 1", kind, stored[kind])
		}
	}
}

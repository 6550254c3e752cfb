package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// benchEvent is a typical ContextEvent: a deploy with a summary, a few
// attributes and a link (about 300 bytes of JSON).
func benchEvent(svc, id string, at time.Time) noctuary.ContextEvent {
	return noctuary.ContextEvent{
		ID: id, Service: svc, Kind: "deploy", Source: "argocd", OccurredAt: at,
		Summary:    svc + " rolled out sha=a4f2c1 to production (3/3 replicas ready)",
		Attributes: map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22", "cluster": "prod-eu-1"},
		Link:       "https://argocd.example/applications/" + svc,
	}
}

// openBench opens a store on a fresh redis-server, with clk as its clock.
func openBench(b *testing.B, clk *storetest.Clock, retention time.Duration) (*store.Store, *redis.Client) {
	srv := storetest.StartRedis(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = rdb.Close() })
	return openOn(b, srv.URL, store.Options{Now: clk.Now, EventRetention: retention}), rdb
}

// openOn opens another store on the redis-server at url.
func openOn(b *testing.B, url string, opt store.Options) *store.Store {
	opt.Logger = discard()
	s, err := store.Open(context.Background(), url, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkAddEvents500 stores batches of 500 events with unique IDs over 5
// services, one batch at a time and from concurrent callers.
func BenchmarkAddEvents500(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			s, _ := openBench(b, storetest.NewClock(t0), time.Hour)
			var batch atomic.Int64
			add := func(evs []noctuary.ContextEvent) {
				n := strconv.FormatInt(batch.Add(1), 10)
				for i := range evs {
					evs[i].ID = n + "-" + strconv.Itoa(i)
				}
				if _, _, err := s.AddEvents(context.Background(), evs); err != nil {
					b.Error(err)
				}
			}
			if mode == "serial" {
				evs := benchBatch(500)
				for b.Loop() {
					add(evs)
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					evs := benchBatch(500)
					for pb.Next() {
						add(evs)
					}
				})
			}
			b.ReportMetric(float64(batch.Load()*500)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkAddEventsSingle stores one event a call, without an ID, from 8
// concurrent callers (4 per CPU on 2): the small writes that share group
// commits (eventsgroup.go), without HTTP around them.
func BenchmarkAddEventsSingle(b *testing.B) {
	s, _ := openBench(b, storetest.NewClock(t0), time.Hour)
	b.SetParallelism(4)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ev := []noctuary.ContextEvent{benchEvent("checkout", "", t0)}
		for pb.Next() {
			if _, _, err := s.AddEvents(context.Background(), ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func benchBatch(n int) []noctuary.ContextEvent {
	evs := make([]noctuary.ContextEvent, n)
	for i := range evs {
		evs[i] = benchEvent(fmt.Sprintf("svc-%d", i%5), "", t0)
	}
	return evs
}

// loadEvents stores total events without IDs, spread evenly over span from
// t0 and over services svc-0..svc-<services-1>, received as they occur. It
// returns the mean JSON size of an event.
func loadEvents(b *testing.B, s *store.Store, clk *storetest.Clock, total, services int, span time.Duration) float64 {
	const batch = 5000
	step := span / time.Duration(total)
	var jsonBytes int
	evs := make([]noctuary.ContextEvent, 0, batch)
	for i := range total {
		at := t0.Add(step * time.Duration(i))
		evs = append(evs, benchEvent("svc-"+strconv.Itoa(i%services), "", at))
		if len(evs) == batch || i == total-1 {
			for _, ev := range evs {
				j, _ := json.Marshal(ev)
				jsonBytes += len(j)
			}
			clk.Set(at)
			if _, _, err := s.AddEvents(context.Background(), evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	return float64(jsonBytes) / float64(total)
}

// BenchmarkEventsInWindow queries 30-minute windows of a service and two
// dependencies among 1,000,000 events stored over 72h across 50 services,
// each window read and decoded whole (no window cache: every window is a
// different one, as for the first triage of a service).
func BenchmarkEventsInWindow(b *testing.B) {
	const total, services, span = 1_000_000, 50, 72 * time.Hour
	clk := storetest.NewClock(t0)
	srv := storetest.StartRedis(b)
	s := openOn(b, srv.URL, store.Options{Now: clk.Now, EventRetention: 80 * time.Hour, WindowCacheEvents: -1})
	loadEvents(b, s, clk, total, services, span)
	var w windowStats
	i := 0
	for b.Loop() {
		to := t0.Add(time.Hour + time.Duration(i*7919)%(span-2*time.Hour))
		w.query(b, s, benchServices(0, i, services), to.Add(-30*time.Minute), to)
		i++
	}
	w.report(b)
}

// BenchmarkWindowCached is a storm of triages, with 100,000 and with
// 1,000,000 events stored over 72h across 50 services: before each triage,
// one new event arrives; the triage reads the latest window (30 minutes
// before, 5 after) of a service and two dependencies. "cached" goes
// through a warm window cache, "whole" reads and decodes each window whole.
func BenchmarkWindowCached(b *testing.B) {
	const services, span = 50, 72 * time.Hour
	for _, total := range []int{100_000, 1_000_000} {
		b.Run("stored="+strconv.Itoa(total), func(b *testing.B) {
			clk := storetest.NewClock(t0)
			srv := storetest.StartRedis(b)
			opt := store.Options{Now: clk.Now, EventRetention: 80 * time.Hour}
			writer := openOn(b, srv.URL, opt)
			loadEvents(b, writer, clk, total, services, span)
			end := clk.Now()
			// Each mode has its half of the services, so that it finds the
			// same windows, and the same new events in them.
			for half, mode := range []string{"cached", "whole"} {
				b.Run(mode, func(b *testing.B) {
					o := opt
					if mode == "whole" {
						o.WindowCacheEvents = -1
					}
					s := openOn(b, srv.URL, o)
					clk.Set(end)
					var w windowStats
					i := 0
					for b.Loop() {
						clk.Add(10 * time.Millisecond)
						now := clk.Now()
						svcs := benchServices(half*services/2, i, services/2)
						if _, _, err := writer.AddEvents(context.Background(), []noctuary.ContextEvent{benchEvent(svcs[0], "", now)}); err != nil {
							b.Fatal(err)
						}
						w.query(b, s, svcs, now.Add(-30*time.Minute), now.Add(5*time.Minute))
						i++
					}
					w.report(b)
				})
			}
		})
	}
}

// benchServices names a service and its two dependencies among
// svc-<first>..svc-<first+n-1>, the i-th in turn.
func benchServices(first, i, n int) []string {
	svcs := make([]string, 3)
	for j := range svcs {
		svcs[j] = "svc-" + strconv.Itoa(first+(i+j)%n)
	}
	return svcs
}

// windowStats are the latencies of window queries and the events found.
type windowStats struct {
	lat   []time.Duration
	found int
}

func (w *windowStats) query(b *testing.B, s *store.Store, svcs []string, from, to time.Time) {
	start := time.Now()
	evs, err := s.EventsInWindow(context.Background(), svcs, from, to)
	w.lat = append(w.lat, time.Since(start))
	if err != nil {
		b.Fatal(err)
	}
	w.found += len(evs)
}

func (w *windowStats) report(b *testing.B) {
	slices.Sort(w.lat)
	b.ReportMetric(ms(w.lat[len(w.lat)/2]), "p50-ms")
	b.ReportMetric(ms(w.lat[len(w.lat)*99/100]), "p99-ms")
	b.ReportMetric(float64(w.found)/float64(len(w.lat)), "events/query")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkEventMemory stores 200,000 events without IDs once and reports
// Redis' used_memory per stored event ("bytes/event") and its ratio to the
// events' JSON size ("mem-ratio", target <= 1.5). Its ns/op is meaningless.
func BenchmarkEventMemory(b *testing.B) {
	const total = 200_000
	clk := storetest.NewClock(t0)
	s, rdb := openBench(b, clk, 80*time.Hour)
	must[int](b)(addOne(s, benchEvent("warm-up", "", t0))) // scripts and stream overheads
	before := usedMemory(b, rdb)
	jsonSize := loadEvents(b, s, clk, total, 50, 72*time.Hour)
	var used int64
	for b.Loop() {
		used = usedMemory(b, rdb)
	}
	perEvent := float64(used-before) / total
	b.ReportMetric(perEvent, "bytes/event")
	b.ReportMetric(perEvent/jsonSize, "mem-ratio")
}

func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("INFO memory has no used_memory")
	return 0
}

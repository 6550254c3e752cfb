package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// storedEvents is how many ContextEvents the "stored" shape holds.
const storedEvents = 1_000_000

// Dense windows: denseServices services with densePerService events each
// in the 29 minutes before the run (≥ 1,000 in any 30-minute window that
// starts within the next minute).
const (
	denseServices   = 20
	densePerService = 1_250
)

// sendFor is how long each run sends incidents: 500 at 50/s, 1,000 at 200/s.
var sendFor = map[int]time.Duration{50: 10 * time.Second, 200: 5 * time.Second}

// noteWithin bounds the wait for the last note after the last webhook.
const noteWithin = 60 * time.Second

// loadEvents stores n ContextEvents over the last 71h (within the 72h
// retention while they load) across 50 services, checkout and
// postgres-main among them.
func loadEvents(b *testing.B, e *env, n int) {
	b.Helper()
	services := []string{"checkout", "postgres-main"}
	for i := len(services); i < 50; i++ {
		services = append(services, fmt.Sprintf("svc-%02d", i))
	}
	storeSpread(b, e, services, n, 71*time.Hour)
}

// storeSpread stores n ContextEvents round-robin over services, one a
// second back from now and wrapping at span, in batches of 10,000.
func storeSpread(b *testing.B, e *env, services []string, n int, span time.Duration) {
	b.Helper()
	now := time.Now().UTC()
	step := max(span/time.Duration(n/len(services)+1), time.Millisecond)
	batch := make([]noctuary.ContextEvent, 0, 10_000)
	for i := range n {
		back := time.Duration(i/len(services)) * step % span
		batch = append(batch, noctuary.ContextEvent{
			Service: services[i%len(services)], Kind: []string{"deploy", "OOMKilled", "config_change", "scale"}[i%4],
			Source: "bench", OccurredAt: now.Add(-back),
			Summary:    "benchmark event with a realistic summary of some sixty characters",
			Attributes: map[string]string{"sha": fmt.Sprintf("%07x", i)},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if _, _, err := e.main.Store.AddEvents(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// denseConfig configures denseServices enabled services, dense-00 paged
// as PDENSE00 and so on, and returns their PagerDuty service IDs and keys.
func denseConfig(c *config.Config) (pdIDs, keys []string) {
	for i := range denseServices {
		key := fmt.Sprintf("dense-%02d", i)
		id := fmt.Sprintf("PDENSE%02d", i)
		c.Services = append(c.Services, noctuary.Service{Key: key, Environment: "default",
			PagerDutyServiceIDs: []string{id}, Enabled: true, Mode: noctuary.ModeReadOnly})
		pdIDs, keys = append(pdIDs, id), append(keys, key)
	}
	return pdIDs, keys
}

// BenchmarkTriageLatency measures webhook sent → note received by the fake
// PagerDuty, heuristic engine, through the real Main, for incidents sent
// open-loop at 50 and at 200 incidents/s, in two shapes: "stored" holds
// 1,000,000 ContextEvents over 72h and pages checkout; "dense" pages 20
// services round-robin, each with 1,250 events in its 30-minute window.
// The PagerDuty budget is lifted, so that it measures Noctuary, not the
// budget (docs/performance.md). Each run takes 5–10 s of sending; run it
// with -benchtime 1x. Metrics are per run: p50/p99 in ms, the test
// process's CPU (Noctuary, the fake PagerDuty and the sender) and
// redis-server's per triage, Redis' used_memory growth per triage, and
// PagerDuty requests per note.
func BenchmarkTriageLatency(b *testing.B) {
	b.Run("stored=1e6", func(b *testing.B) {
		e := benchEnv(b, nil)
		loadEvents(b, e, storedEvents)
		runRates(b, e, []string{"PCHECKOUT"})
	})
	b.Run("dense", func(b *testing.B) {
		var pdIDs, keys []string
		e := benchEnv(b, func(c *config.Config) { pdIDs, keys = denseConfig(c) })
		storeSpread(b, e, keys, denseServices*densePerService, 29*time.Minute)
		runRates(b, e, pdIDs)
	})
}

// benchEnv starts Main with the PagerDuty budget lifted: one note costs at
// least one request, and 200 incidents/s is 12,000 a minute, beyond
// PagerDuty's 960 per key.
func benchEnv(b *testing.B, change func(*config.Config)) *env {
	return newEnv(b, func(c *config.Config) {
		c.ClaimIdle = time.Minute
		c.PagerDutyRateLimit = 100_000
		if change != nil {
			change(c)
		}
	})
}

// runRates runs the sub-benchmarks rate=50 and rate=200 on one env; a rate
// that left notes undelivered leaves a backlog, so the next is not run.
// A note still missing counts as later than any that came (p99 +Inf).
func runRates(b *testing.B, e *env, pdIDs []string) {
	rdb := e.rawRedis()
	// An incident whose onset (PagerDuty's created_at, whole seconds)
	// precedes the store's seeding has its note checked before it is
	// posted (Redis may have lost its marker): two requests. The dense
	// shape stores its events within the second Main started in.
	time.Sleep(time.Until(e.started.Add(time.Second)))
	for _, rate := range []int{50, 200} {
		ok := b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			for i := range b.N {
				storm(b, e, rdb, pdIDs, rate, fmt.Sprintf("Q%dR%dI", rate, i))
			}
		})
		if !ok {
			return
		}
	}
}

// runUsage is what a run is charged for: this process's CPU, redis-server's
// CPU and memory, PagerDuty's requests and notes.
type runUsage struct {
	cpu, redisCPU time.Duration
	redisMem      float64
	pdRequests    int
	notes         int
}

func measure(b *testing.B, e *env, rdb *redis.Client) runUsage {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	info := redisInfo(b, rdb, "cpu", "memory")
	seconds := func(f string) time.Duration { return time.Duration(info[f] * float64(time.Second)) }
	return runUsage{
		cpu:        time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		redisCPU:   seconds("used_cpu_user") + seconds("used_cpu_sys"),
		redisMem:   info["used_memory"],
		pdRequests: e.pd.Requests(),
		notes:      len(e.pd.Notes("")),
	}
}

// redisInfo returns the numeric fields of the given INFO sections.
func redisInfo(b *testing.B, rdb *redis.Client, sections ...string) map[string]float64 {
	b.Helper()
	info, err := storetest.Info(context.Background(), rdb, sections...)
	if err != nil {
		b.Fatal(err)
	}
	return info
}

// storm sends rate incidents a second for sendFor[rate], open-loop (each
// webhook at its time, whatever the previous ones are doing), round-robin
// over pdIDs, waits for every note and reports the run's metrics.
func storm(b *testing.B, e *env, rdb *redis.Client, pdIDs []string, rate int, prefix string) {
	b.StopTimer()
	n := rate * int(sendFor[rate]/time.Second)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	sent, arrived := map[string]time.Time{}, map[string]time.Time{}
	e.pd.OnNote(func(note pdtest.Note) {
		mu.Lock()
		if _, ok := arrived[note.IncidentID]; !ok && strings.HasPrefix(note.IncidentID, prefix) {
			arrived[note.IncidentID] = time.Now()
		}
		mu.Unlock()
	})
	before, phasesBefore := measure(b, e, rdb), phaseSnapshot(b, e.main.Registry)
	b.StartTimer()
	var wg sync.WaitGroup
	start, interval := time.Now(), time.Second/time.Duration(rate)
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		id := fmt.Sprintf("%s%d", prefix, i)
		body := webhook("EV-"+id, noctuary.EventIncidentTriggered, id, pdIDs[i%len(pdIDs)], time.Now().UTC().Truncate(time.Second))
		wg.Go(func() {
			mu.Lock()
			sent[id] = time.Now()
			mu.Unlock()
			if err := postWebhook(client, e.url, body); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(noteWithin)
	for {
		mu.Lock()
		got := len(arrived)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.StopTimer()
	after := measure(b, e, rdb)
	reportPhases(b, phasesBefore, phaseSnapshot(b, e.main.Registry))
	mu.Lock()
	defer mu.Unlock()
	lat, missing := make([]float64, 0, n), 0
	for id, s := range sent {
		l := math.Inf(1) // a missing note counts as later than any that came
		if a, ok := arrived[id]; ok {
			l = float64(a.Sub(s).Microseconds()) / 1000
		} else {
			missing++
		}
		lat = append(lat, l)
	}
	slices.Sort(lat)
	if missing > 0 {
		b.ReportMetric(float64(missing), "notes-missing")
		b.Errorf("%d of %d notes did not arrive within %s of the last webhook", missing, n, noteWithin)
	}
	notes := float64(after.notes - before.notes)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[(len(lat)*99)/100], "p99-ms")
	b.ReportMetric(float64((after.cpu-before.cpu).Microseconds())/1000/notes, "cpu-ms/triage")
	b.ReportMetric(float64((after.redisCPU-before.redisCPU).Microseconds())/1000/notes, "redis-cpu-ms/triage")
	b.ReportMetric((after.redisMem-before.redisMem)/notes, "redis-bytes/triage")
	b.ReportMetric(float64(after.pdRequests-before.pdRequests)/notes, "pd-requests/note")
}

// postWebhook posts a correctly signed incident webhook and expects 202.
func postWebhook(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest("POST", url+"/webhooks/pagerduty/default", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-PagerDuty-Signature", sign(body, testWebhookKey))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("webhook answered %d, want 202", resp.StatusCode)
	}
	return nil
}

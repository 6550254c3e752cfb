package ingest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// limited serves a Server over st whose tokens may store perSecond events a
// second, burst at once.
func limited(t *testing.T, st *store.Store, perSecond, burst int) *env {
	t.Helper()
	opt := serverOptions(st)
	opt.RateLimit = ingest.RateLimit{Limiter: st, PerSecond: perSecond, Burst: burst}
	return startWith(t, st, opt)
}

// events is a JSON array of n valid events of checkout.
func events(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = eventJSON("", "checkout")
	}
	return "[" + strings.Join(items, ",") + "]"
}

// TestIngestRateLimit: each token has its own budget of events (1 a second,
// 5 at once here): a batch costs its number of events, a refused request
// takes nothing from the budget and stores nothing, is answered 429 with
// Retry-After and the JSON error, and is counted. A batch larger than the
// burst could never pass: 413. Invalid or unauthenticated requests are
// answered as without a limit.
func TestIngestRateLimit(t *testing.T) {
	eachKindStore(t, func(t *testing.T, st *store.Store) {
		e := limited(t, st, 1, 5)
		steps := []struct {
			name, token, body string
			status            int
			code, retryAfter  string
			stored            int // checkout's events stored after the step
		}{
			{"a batch of 3", tokenAll, events(3), 202, "", "", 3},
			{"3 more: 2 left", tokenAll, events(3), 429, "rate_limited", "1", 3},
			{"the 2 left", tokenAll, events(2), 202, "", "", 5},
			{"one more", tokenAll, eventJSON("", "checkout"), 429, "rate_limited", "1", 5},
			{"invalid while spent", tokenAll, `{"service":"checkout"}`, 400, "invalid", "", 5},
			{"bad token while spent", "nope", events(1), 401, "unauthorized", "", 5},
			{"another token's budget", tokenScoped, events(5), 202, "", "", 10},
			{"more than the burst", tokenScoped, events(6), 413, "too_large", "", 10},
		}
		for _, s := range steps {
			r := postEvents(t, e, s.token, "application/json", s.body)
			check(t, r, s.status, s.code)
			if got := r.header.Get("Retry-After"); got != s.retryAfter {
				t.Errorf("%s: Retry-After %q, want %q", s.name, got, s.retryAfter)
			}
			if s.status == http.StatusTooManyRequests && !strings.Contains(r.body["error"].(string), "retry in 1 s") {
				t.Errorf("%s: %s, want the wait in the sentence", s.name, r.raw)
			}
			if n := len(storedEvents(t, st, "checkout")); n != s.stored {
				t.Fatalf("%s: %d events stored, want %d", s.name, n, s.stored)
			}
		}
		checkLimitedMetric(t, e, "/v1/events", 2)
		time.Sleep(time.Second) // one event's worth of budget comes back
		check(t, postEvents(t, e, tokenAll, "application/json", events(1)), 202, "")
	})
}

// TestIngestRateLimitShared: two servers (replicas) on one Redis share a
// token's budget; with the limit off nothing is refused.
func TestIngestRateLimitShared(t *testing.T) {
	eachKindStore(t, func(t *testing.T, st *store.Store) {
		a, b := limited(t, st, 1, 4), limited(t, st, 1, 4)
		check(t, postEvents(t, a, tokenAll, "application/json", events(4)), 202, "")
		check(t, postEvents(t, b, tokenAll, "application/json", events(1)), 429, "rate_limited")
		off := limited(t, st, 0, 4)
		check(t, postEvents(t, off, tokenAll, "application/json", events(4)), 202, "")
	})
}

// TestSourceRateLimit: a bearer source's payload counts its events against
// the same budget of its token.
func TestSourceRateLimit(t *testing.T) {
	firing := golden(t, "alertmanager/firing_by_job.golden.json")
	clk := storetest.NewClock(firing.Events[0].OccurredAt.Add(time.Minute))
	so := storeOptions()
	so.Now = clk.Now
	st := storetest.Open(t, "embedded", so)
	opt := serverOptions(st)
	opt.Now, opt.Sources = clk.Now, []ingest.Source{amSource("job")}
	opt.RateLimit = ingest.RateLimit{Limiter: st, PerSecond: 1, Burst: len(firing.Events) + 1}
	e := startWith(t, st, opt)
	url, body := e.url+"/v1/events/alertmanager", payload(t, "alertmanager/firing.json")
	check(t, do(t, http.MethodPost, url, body, bearer(tokenAll)), 202, "")
	r := do(t, http.MethodPost, url, body, bearer(tokenAll))
	check(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After: %s", r.raw)
	}
	checkLimitedMetric(t, e, "/v1/events/alertmanager", 1)
}

// eachKindStore runs f in a parallel subtest per store kind, on a fresh store.
func eachKindStore(t *testing.T, f func(t *testing.T, st *store.Store)) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, storetest.Open(t, kind, storeOptions()))
		})
	}
}

// checkLimitedMetric fails unless /metrics counts n refusals on route.
func checkLimitedMetric(t *testing.T, e *env, route string, n int) {
	t.Helper()
	m := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	if line := fmt.Sprintf("noctuary_ingest_rate_limited_total{route=%q} %d", route, n); !strings.Contains(m.raw, line) {
		t.Errorf("metrics lack %s", line)
	}
}

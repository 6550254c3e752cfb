package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/store/storetest"
)

// fakeNoctuary stands in for Noctuary: it counts the events of /v1/events,
// verifies each webhook's signature, parses it as Noctuary does and posts
// a note to the fake PagerDuty at pdURL through the real PagerDuty client.
type fakeNoctuary struct {
	mu               sync.Mutex
	events, requests int
	webhooks         int
	services         map[string]int
	ids              map[string]bool
}

func (f *fakeNoctuary) handler(t *testing.T, pdURL string) http.Handler {
	client, err := pd.NewClient(noctuary.Integration{ID: "default", Token: "pd-token", From: "load@example.com", APIURL: pdURL}, pd.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) {
		var events []noctuary.ContextEvent
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer ingest-token" {
			http.Error(w, `{"error":"bad token","code":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if err := json.Unmarshal(body, &events); err != nil {
			var ev noctuary.ContextEvent
			if err := json.Unmarshal(body, &ev); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			events = []noctuary.ContextEvent{ev}
		}
		f.mu.Lock()
		f.requests++
		for _, ev := range events {
			if err := ev.Validate(time.Now()); err != nil {
				t.Errorf("invalid event %+v: %v", ev, err)
			}
			f.events++
			f.services[ev.Service]++
			f.ids[ev.ID] = true
		}
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /webhooks/pagerduty/default", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := pd.VerifySignature(body, r.Header.Get(pd.SignatureHeader), []noctuary.Secret{"webhook-secret"}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, _, _, err := pd.ParseWebhook(body, "default", time.Now())
		if err != nil || ev.Incident.Service.ID != "PLOAD" {
			t.Errorf("webhook %s: %v, service %q", body, err, ev.Incident.Service.ID)
		}
		f.mu.Lock()
		f.webhooks++
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		go func() {
			if _, err := client.AddNote(context.Background(), ev.Incident.ID, "Noctuary Context\nHypothesis: load"); err != nil {
				t.Errorf("note: %v", err)
			}
		}()
	})
	return mux
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestTinyRun sends 1 s of single events, batches and incidents to a fake
// Noctuary over two "replicas" and checks the counts it received and the
// report's.
func TestTinyRun(t *testing.T) {
	pdAddr := freeAddr(t)
	rdb := storetest.StartRedis(t)
	f := &fakeNoctuary{services: map[string]int{}, ids: map[string]bool{}}
	h := f.handler(t, "http://"+pdAddr)
	a, b := httptest.NewServer(h), httptest.NewServer(h)
	defer a.Close()
	defer b.Close()
	env := map[string]string{"NOCTUARY_INGEST_TOKEN": "ingest-token", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "webhook-secret", "NOCTUARY_PAGERDUTY_TOKEN": "pd-token"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-target", a.URL + "," + b.URL, "-duration", "1s", "-wait", "10s",
		"-events", "40", "-batches", "4", "-batch-size", "25", "-incidents", "10", "-pd-services", "PLOAD",
		"-services", "svc-a,svc-b,svc-c", "-ids", "-pd", pdAddr, "-redis", rdb.Addr,
		"-pids", strconv.Itoa(os.Getpid())}, lookup, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr.String(), out)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// 40 single events + 4 batches of 25; 10 webhooks.
	if f.events != 140 || f.requests != 44 || f.webhooks != 10 || len(f.ids) != 140 {
		t.Errorf("server got %d events in %d requests (%d ids), %d webhooks; want 140 in 44 (140), 10", f.events, f.requests, len(f.ids), f.webhooks)
	}
	// Round-robin: singles 14/13/13 and batched events 34/33/33.
	if f.services["svc-a"] != 48 || f.services["svc-b"] != 46 || f.services["svc-c"] != 46 {
		t.Errorf("events per service %v, want svc-a 48, svc-b 46, svc-c 46 (round-robin)", f.services)
	}
	for _, want := range []string{
		"single event: offered 40 requests/s (40 events/s); 202 40\n",
		"batch of 25: offered 4 requests/s (100 events/s); 202 4\n",
		"incident webhook: offered 10 requests/s; 202 10\n",
		"webhook → note (at the fake PagerDuty): 10 notes, 0 missing after 10s; PagerDuty requests a note 1.000\n",
		"; -pids ", "µs an event, ", "ms a note)", "redis (1 node(s)): used_memory +",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if n := len(regexp.MustCompile(`p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms`).FindAllString(out, -1)); n != 4 {
		t.Errorf("report has %d latency lines, want 4:\n%s", n, out)
	}
}

// TestRefusedRequestsAreCounted: answers other than 202 are counted by
// status and left out of the latency percentiles; a redirect is not
// followed (it could leave loopback).
func TestRefusedRequestsAreCounted(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Redirect(w, r, "http://198.51.100.7/v1/events", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	lookup := func(string) (string, bool) { return "token", true }
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-target", srv.URL, "-duration", "200ms", "-events", "20"}, lookup, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "202 0, 307 2, 503 2\n") || !strings.Contains(out, "latency from due time to answer: no answers") {
		t.Errorf("report:\n%s", out)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// sent is one request of the steady load and what became of it.
type sent struct {
	path, id string // id: the event's id, or the incident's
	body     []byte
	headers  map[string]string
	status   int
	code     string // the JSON error's code
	message  string // the JSON error's sentence
}

// post sends r to Noctuary at base and records the answer in r.
func (r *sent) post(t *testing.T, client *http.Client, base string) {
	req, err := http.NewRequest(http.MethodPost, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	r.status, r.code, r.message = 0, "", ""
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: no answer: %v", r.path, r.id, err)
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body struct{ Error, Code string }
	_ = json.Unmarshal(raw, &body)
	r.status, r.code, r.message = resp.StatusCode, body.Code, body.Error
}

// readyWatch polls /readyz and records each change of its status.
type readyWatch struct {
	mu      sync.Mutex
	changes []int
}

func (w *readyWatch) run(ctx context.Context, base string) {
	client := &http.Client{Timeout: 3 * time.Second}
	for ctx.Err() == nil {
		status := 0
		if resp, err := client.Get(base + "/readyz"); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
		}
		w.mu.Lock()
		if n := len(w.changes); n == 0 || w.changes[n-1] != status {
			w.changes = append(w.changes, status)
		}
		w.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *readyWatch) last() int {
	seen := w.seen()
	if len(seen) == 0 {
		return 0
	}
	return seen[len(seen)-1]
}

// seen returns the statuses seen so far, each change once.
func (w *readyWatch) seen() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.changes...)
}

// TestRedisRestartUnderLoad: redis-server with AOF (appendfsync always) is
// stopped (SIGTERM) or killed (SIGKILL) and started again on its port while
// ContextEvents and signed webhooks arrive steadily. Every request is
// answered 202, or 503 with the JSON error; /readyz goes unready, then
// ready again without restarting Noctuary; each 503 sent again is accepted;
// then every accepted event is readable and every accepted incident has
// exactly one note.
func TestRedisRestartUnderLoad(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		kill bool
	}{{"SIGTERM", false}, {"SIGKILL", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testRedisRestart(t, tc.kill)
		})
	}
}

func testRedisRestart(t *testing.T, kill bool) {
	const tick, webhookEvery, outage = 25 * time.Millisecond, 5, 1500 * time.Millisecond
	redis := storetest.StartAOF(t)
	e := &env{t: t, pd: pdtest.New(t, testPDToken)}
	e.cfg = testConfig(redis.URL, e.pd.URL)
	e.main = e.start(e.cfg)
	e.url = "http://" + e.main.Addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := &readyWatch{}
	go watch.run(ctx, e.url)

	// The steady load, one request at a time: an event each tick, a webhook
	// each webhookEvery ticks.
	client := &http.Client{Timeout: 10 * time.Second}
	at := onsetAt()
	var reqs []*sent
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-time.After(tick):
			}
			id := fmt.Sprintf("rr-%d", n)
			ev, _ := json.Marshal(noctuary.ContextEvent{ID: id, Service: "checkout", Kind: "deploy", Source: "argocd",
				OccurredAt: at.Add(-time.Duration(n) * time.Millisecond), Summary: "checkout rolled out " + id})
			r := &sent{path: "/v1/events", id: id, body: ev,
				headers: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + testIngestToken}}
			r.post(t, client, e.url)
			reqs = append(reqs, r)
			if n%webhookEvery == 0 {
				incident := fmt.Sprintf("QRR%d", n)
				body := webhook("EV-"+incident, noctuary.EventIncidentTriggered, incident, "PCHECKOUT", at)
				r := &sent{path: "/webhooks/pagerduty/default", id: incident, body: body,
					headers: map[string]string{"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, testWebhookKey)}}
				r.post(t, client, e.url)
				reqs = append(reqs, r)
			}
		}
	}()

	time.Sleep(time.Second)
	if kill {
		redis.Kill()
	} else {
		redis.Stop()
	}
	waitUntil(t, "unready /readyz", 10*time.Second, func() bool { return watch.last() == http.StatusServiceUnavailable })
	time.Sleep(outage)
	redis.Start()
	waitUntil(t, "ready /readyz after the restart", 15*time.Second, func() bool { return watch.last() == http.StatusOK })
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	cancel()

	var refused []*sent
	for _, r := range reqs {
		switch {
		case r.status == http.StatusAccepted:
		case r.status == http.StatusServiceUnavailable && r.code == noctuary.EUnavailable && r.message != "":
			refused = append(refused, r)
		default:
			t.Errorf("%s %s answered %d %q %q; want 202, or 503 with a JSON error of code unavailable", r.path, r.id, r.status, r.code, r.message)
		}
	}
	if len(refused) == 0 {
		t.Fatalf("no request of %d was refused: the outage was not seen", len(reqs))
	}
	for _, r := range refused {
		if r.post(t, client, e.url); r.status != http.StatusAccepted {
			t.Errorf("the retry of %s %s answered %d %q", r.path, r.id, r.status, r.message)
		}
	}
	t.Logf("%d requests, %d refused with 503 and accepted on retry; /readyz went %v", len(reqs), len(refused), watch.seen())

	stored, err := e.main.Store.EventsInWindow(context.Background(), []string{"checkout"}, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, ev := range stored {
		have[ev.ID]++
	}
	for _, r := range reqs {
		if r.path != "/v1/events" {
			e.waitNotes(r.id, 1, 30*time.Second)
			continue
		}
		if have[r.id] != 1 {
			t.Errorf("event %s is stored %d times, want once", r.id, have[r.id])
		}
	}
	e.waitPendingZero(10 * time.Second)
	for _, r := range reqs {
		if n := len(e.pd.Notes(r.id)); r.path != "/v1/events" && n != 1 {
			t.Errorf("incident %s has %d notes, want 1", r.id, n)
		}
	}
}

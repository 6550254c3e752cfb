package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// stream is one kind of request sent open-loop at rate a second.
type stream struct {
	name  string
	rate  float64
	units int // events a request carries (1 for a webhook)
	// build returns the path, headers and body of request i, due at due.
	build func(i int, due time.Time) (path string, header http.Header, body []byte)
	// accepted is called with i when request i is answered 202.
	accepted func(i int)
	rec      recorder
}

// recorder collects one stream's outcomes.
type recorder struct {
	mu       sync.Mutex
	lat      []time.Duration // of requests answered 202, from their due time
	status   map[int]int     // answers other than 202
	errs     int             // no answer (connection, timeout)
	firstErr string
	notSent  int // due while max-inflight requests were in flight
	lastDone time.Time
}

func (r *recorder) answered(status int, due time.Time) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if status == http.StatusAccepted {
		r.lat = append(r.lat, now.Sub(due))
	} else {
		if r.status == nil {
			r.status = map[int]int{}
		}
		r.status[status]++
	}
	r.lastDone = now
}

func (r *recorder) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errs == 0 {
		r.firstErr = err.Error()
	}
	r.errs++
	r.lastDone = time.Now()
}

func (r *recorder) skipped() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notSent++
}

// sender sends requests to the targets round-robin, at most max at once.
type sender struct {
	client   *http.Client
	targets  []*url.URL
	inflight atomic.Int64
	max      int64
}

// run sends s's requests from start for d, each at its due time, and
// returns when every request sent is answered or failed.
func (sd *sender) run(ctx context.Context, s *stream, start time.Time, d time.Duration) {
	n := max(1, int(s.rate*d.Seconds()))
	interval := time.Duration(float64(time.Second) / s.rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		if sd.inflight.Load() >= sd.max {
			s.rec.skipped()
			continue
		}
		sd.inflight.Add(1)
		target := sd.targets[i%len(sd.targets)]
		wg.Go(func() {
			defer sd.inflight.Add(-1)
			sd.send(ctx, s, i, target, due)
		})
	}
}

// send sends request i of s to target and records its outcome.
func (sd *sender) send(ctx context.Context, s *stream, i int, target *url.URL, due time.Time) {
	path, header, body := s.build(i, due)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String()+path, bytes.NewReader(body))
	if err != nil {
		s.rec.failed(err)
		return
	}
	req.Header = header
	resp, err := sd.client.Do(req)
	if err != nil {
		s.rec.failed(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	s.rec.answered(resp.StatusCode, due)
	if resp.StatusCode == http.StatusAccepted && s.accepted != nil {
		s.accepted(i)
	}
}

// eventKinds are the kinds events cycle through: changes and failures.
var eventKinds = []string{"deploy", "OOMKilled", "config_change", "scale"}

// eventJSON returns event number n of the run as JSON, dated now.
func eventJSON(o *options, runID string, n int) []byte {
	ev := noctuary.ContextEvent{
		Service: o.services[n%len(o.services)], Kind: eventKinds[n%len(eventKinds)], Source: "noctuary-load",
		OccurredAt: time.Now().UTC(), Summary: "load event with a realistic summary of some sixty characters",
		Attributes: map[string]string{"sha": fmt.Sprintf("%07x", n)},
	}
	if o.ids {
		ev.ID = runID + "-" + strconv.Itoa(n)
	}
	b, _ := json.Marshal(ev)
	return b
}

// streams returns the run's streams: single events, batches, webhooks
// (those with a rate).
func (o *options) streams(runID string, notes *noteClock) []*stream {
	eventHeader := func() http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + o.ingestToken}}
	}
	var out []*stream
	if o.eventRate > 0 {
		out = append(out, &stream{name: "single event", rate: o.eventRate, units: 1,
			build: func(i int, _ time.Time) (string, http.Header, []byte) {
				return "/v1/events", eventHeader(), eventJSON(o, runID+"s", i)
			}})
	}
	if o.batchRate > 0 {
		out = append(out, &stream{name: fmt.Sprintf("batch of %d", o.batchSize), rate: o.batchRate, units: o.batchSize,
			build: func(i int, _ time.Time) (string, http.Header, []byte) {
				body := []byte{'['}
				for j := range o.batchSize {
					if j > 0 {
						body = append(body, ',')
					}
					body = append(body, eventJSON(o, runID+"b", i*o.batchSize+j)...)
				}
				return "/v1/events", eventHeader(), append(body, ']')
			}})
	}
	if o.incidentRate > 0 {
		out = append(out, &stream{name: "incident webhook", rate: o.incidentRate, units: 1,
			build: func(i int, due time.Time) (string, http.Header, []byte) {
				id := notes.incidentID(i)
				body := pdtest.IncidentWebhook("EV-"+id, noctuary.EventIncidentTriggered, id,
					o.pdServices[i%len(o.pdServices)], time.Now().UTC().Truncate(time.Second))
				h := http.Header{"Content-Type": {"application/json"}, "X-PagerDuty-Signature": {pdtest.Sign(body, o.webhookSecret)}}
				notes.due(id, due)
				return "/webhooks/pagerduty/" + url.PathEscape(o.integration), h, body
			},
			accepted: func(i int) { notes.accept(notes.incidentID(i)) }})
	}
	return out
}

// noteClock is the fake PagerDuty and the times its notes arrived.
type noteClock struct {
	srv    *pdtest.Server
	prefix string

	mu       sync.Mutex
	sentAt   map[string]time.Time // incident → when its webhook was sent
	accepted map[string]bool      // incidents whose webhook got 202
	arrived  map[string]time.Time // incident → its first note
}

// startFakePD serves the fake PagerDuty on addr, accepting token.
func startFakePD(addr, token, prefix string) (*noteClock, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the fake PagerDuty cannot listen on %s (-pd): %w", addr, err)
	}
	c := &noteClock{srv: pdtest.NewUnstarted(token), prefix: prefix,
		sentAt: map[string]time.Time{}, accepted: map[string]bool{}, arrived: map[string]time.Time{}}
	_ = c.srv.Listener.Close()
	c.srv.Listener = ln
	c.srv.OnNote(func(n pdtest.Note) {
		now := time.Now()
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ours := c.sentAt[n.IncidentID]; ours {
			if _, seen := c.arrived[n.IncidentID]; !seen {
				c.arrived[n.IncidentID] = now
			}
		}
	})
	c.srv.Start()
	return c, nil
}

func (c *noteClock) incidentID(i int) string { return c.prefix + strconv.Itoa(i) }

// due records that the webhook of incident id is due at t: its note is
// timed from then, however late the sender is.
func (c *noteClock) due(id string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sentAt[id] = t
}

func (c *noteClock) accept(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accepted[id] = true
}

// wait returns once every accepted incident has its note, or after within.
func (c *noteClock) wait(ctx context.Context, within time.Duration) {
	deadline := time.Now().Add(within)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		c.mu.Lock()
		missing := 0
		for id := range c.accepted {
			if _, ok := c.arrived[id]; !ok {
				missing++
			}
		}
		c.mu.Unlock()
		if missing == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// latencies returns webhook→note of the accepted incidents, how many of
// them have no note, and when the last note arrived.
func (c *noteClock) latencies() (lat []time.Duration, missing int, last time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.accepted {
		if a, ok := c.arrived[id]; ok {
			lat = append(lat, a.Sub(c.sentAt[id]))
			if a.After(last) {
				last = a
			}
		} else {
			missing++
		}
	}
	return lat, missing, last
}

func (c *noteClock) close() { c.srv.Close() }

// runLoad runs every stream of o at once and returns the result.
func runLoad(ctx context.Context, o options, progress io.Writer) (*result, error) {
	runID := "L" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	res := &result{opt: o, when: time.Now().UTC(), loadBefore: loadAverage()}
	var notes *noteClock
	if o.incidentRate > 0 {
		var err error
		if notes, err = startFakePD(o.pdAddr, o.pdToken, runID+"-"); err != nil {
			return nil, err
		}
		defer notes.close()
	}
	before, err := readUsage(ctx, o)
	if err != nil {
		return nil, err
	}
	// No proxy (Proxy is nil) and no redirects: requests stay on loopback.
	transport := &http.Transport{MaxIdleConns: o.maxInflight, MaxIdleConnsPerHost: o.maxInflight, IdleConnTimeout: 30 * time.Second}
	client := &http.Client{Transport: transport, Timeout: o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sd := &sender{client: client, targets: o.targets, max: int64(o.maxInflight)}
	defer transport.CloseIdleConnections()
	res.streams = o.streams(runID, notes)
	for _, s := range res.streams {
		fmt.Fprintf(progress, "sending %s requests at %g/s for %s to %d target(s)\n", s.name, s.rate, o.duration, len(o.targets))
	}
	res.start = time.Now().Add(20 * time.Millisecond)
	var wg sync.WaitGroup
	for _, s := range res.streams {
		wg.Go(func() { sd.run(ctx, s, res.start, o.duration) })
	}
	wg.Wait()
	if notes != nil {
		fmt.Fprintf(progress, "waiting up to %s for the last notes\n", o.wait)
		notes.wait(ctx, o.wait)
		res.notes, res.missing, res.lastNote = notes.latencies()
		res.pdRequests = notes.srv.Requests()
	}
	after, err := readUsage(ctx, o)
	if err != nil {
		return nil, err
	}
	res.usage = after.minus(before)
	res.loadAfter = loadAverage()
	return res, ctx.Err()
}

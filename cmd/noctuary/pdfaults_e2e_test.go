package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// pdPhases stands in front of the fake PagerDuty: it answers 429 with
// Retry-After until limitedUntil, then 500 until failingUntil, then lets
// the next hangs requests reach the fake but holds their answers past the
// client's timeout, then passes everything. It counts the requests of each
// phase.
type pdPhases struct {
	*httptest.Server
	start                      time.Time
	limitedUntil, failingUntil time.Duration
	retryAfter                 time.Duration

	mu     sync.Mutex
	hangs  int
	counts map[string]int // by phase: limited, failing, hanging, passed
	proxy  *httputil.ReverseProxy
}

// newPDPhases starts the phases in front of nothing yet: begin points them at
// the fake PagerDuty and starts the clock.
func newPDPhases(t *testing.T, limited, failing, retryAfter time.Duration, hangs int) *pdPhases {
	p := &pdPhases{limitedUntil: limited, failingUntil: limited + failing, retryAfter: retryAfter,
		hangs: hangs, counts: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		phase, proxy := p.phase()
		switch phase {
		case "before":
			// Main's start-up checks, before begin: no fault counted.
			pdError(w, http.StatusServiceUnavailable, 2000, "Not started")
		case "limited":
			w.Header().Set("Retry-After", strconv.Itoa(int(p.retryAfter/time.Second)))
			pdError(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
		case "failing":
			pdError(w, http.StatusInternalServerError, 2000, "Internal Error")
		case "hanging":
			// PagerDuty got the request (a note is stored) but its answer
			// never comes back before the client gives up.
			proxy.ServeHTTP(httptest.NewRecorder(), r)
			<-r.Context().Done()
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// begin starts the phases now, in front of the fake PagerDuty at target.
func (p *pdPhases) begin(t *testing.T, target string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start, p.proxy = time.Now(), httputil.NewSingleHostReverseProxy(u)
}

func (p *pdPhases) phase() (string, *httputil.ReverseProxy) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proxy == nil {
		return "before", nil
	}
	since := time.Since(p.start)
	phase := "passed"
	switch {
	case since < p.limitedUntil:
		phase = "limited"
	case since < p.failingUntil:
		phase = "failing"
	case p.hangs > 0:
		p.hangs--
		phase = "hanging"
	}
	p.counts[phase]++
	return phase, p.proxy
}

func (p *pdPhases) count(phase string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[phase]
}

func pdError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":{"message":"` + message + `","code":` + strconv.Itoa(code) + `}}`))
}

// maxFailingRequests bounds the requests one incident can make in a window
// of length d while PagerDuty answers 5xx, from the documented schedule: a
// call makes at most 5 attempts, each of at most 2 requests (the note, and
// the "did it land?" read before a retry after a 5xx), waiting at least
// half of 0.5 s, 1 s, 2 s, 4 s between them (equal jitter); a failed call
// puts the entry back for at least half of 5 s, doubling, before the next
// call starts with its "already noted?" read.
func maxFailingRequests(d time.Duration) int {
	n, at := 0, time.Duration(0)
	for retry := 0; ; retry++ {
		n++ // the "already noted?" read
		for attempt := 1; attempt <= 5; attempt++ {
			n += 2
			if attempt < 5 {
				at += (500 * time.Millisecond << (attempt - 1)) / 2
			}
			if at > d {
				return n
			}
		}
		at += (5 * time.Second << retry) / 2
		if at > d {
			return n
		}
	}
}

// TestPagerDutyLimitedFailingHangingNotesOnce: PagerDuty answers 429 with
// Retry-After for 2 s, then 500 for 3 s, then holds the answers of the next
// requests past the client's 10 s timeout (the notes they carry are stored).
// Each incident gets exactly one note, after the faults; and the worker does
// not spin: the requests of each phase stay within what the Retry-After
// (it holds the whole key) and the back-off schedule allow.
func TestPagerDutyLimitedFailingHangingNotesOnce(t *testing.T) {
	t.Parallel()
	const incidents = 2
	const limited, failing, retryAfter = 2 * time.Second, 3 * time.Second, time.Second
	phases := newPDPhases(t, limited, failing, retryAfter, incidents)
	e := newEnv(t, func(c *config.Config) { c.Integrations[0].APIURL = phases.URL })
	at := onsetAt()
	e.sendEvents(seedEvents(at, "pf-")...)
	ids := []string{"QPF1", "QPF2"}
	phases.begin(t, e.pd.URL)
	for _, id := range ids {
		e.sendWebhook(webhook("EV-"+id, noctuary.EventIncidentTriggered, id, "PCHECKOUT", at))
	}
	faultsEnd := phases.start.Add(limited + failing)
	for _, id := range ids {
		note := e.waitNotes(id, 1, time.Until(faultsEnd)+25*time.Second)[0]
		if note.CreatedAt.Before(faultsEnd.Add(-50 * time.Millisecond)) {
			t.Errorf("%s was noted at %s, before PagerDuty accepted anything (%s)", id, note.CreatedAt.Format(time.StampMilli), faultsEnd.Format(time.StampMilli))
		}
	}
	e.waitPendingZero(25 * time.Second)
	time.Sleep(time.Second) // a second note would follow the acknowledgement
	for _, id := range ids {
		if n := len(e.pd.Notes(id)); n != 1 {
			t.Errorf("%s has %d notes, want exactly 1", id, n)
		}
	}
	// 429 with Retry-After holds every request of the key until it passes:
	// per Retry-After, at most one request of each incident in flight.
	maxLimited := incidents * (int(limited/retryAfter) + 1)
	maxFailing := incidents * maxFailingRequests(failing)
	t.Logf("requests: %d limited (max %d), %d failing (max %d), %d hanging, %d passed",
		phases.count("limited"), maxLimited, phases.count("failing"), maxFailing, phases.count("hanging"), phases.count("passed"))
	if n := phases.count("limited"); n < 1 || n > maxLimited {
		t.Errorf("%d requests while PagerDuty answered 429, want 1 to %d", n, maxLimited)
	}
	if n := phases.count("failing"); n > maxFailing {
		t.Errorf("%d requests while PagerDuty answered 500 for %s, want at most %d (the back-off schedule's)", n, failing, maxFailing)
	}
	if n := phases.count("hanging"); n != incidents {
		t.Errorf("%d requests hung, want %d", n, incidents)
	}
	// After the hangs: per incident, the "already noted?" reads and at most one note.
	if n := phases.count("passed"); n > incidents*6 {
		t.Errorf("%d requests once PagerDuty answered again, want at most %d", n, incidents*6)
	}
	if n := e.metricSum("noctuary_pagerduty_requests_total", `status="429"`); n < 1 {
		t.Errorf("no 429 counted in noctuary_pagerduty_requests_total")
	}
}

package pd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// fakeLimiter answers the waits in order, then 0.
type fakeLimiter struct {
	waits   []time.Duration
	err     error
	calls   int
	buckets []string
	blocks  []string
}

func (l *fakeLimiter) Block(_ context.Context, bucket string, d time.Duration) error {
	l.blocks = append(l.blocks, fmt.Sprintf("%s %s", bucket, d))
	return nil
}

func (l *fakeLimiter) ReserveUpTo(_ context.Context, bucket string, perMinute, burst, _ int) (int, int, time.Duration, error) {
	l.calls++
	l.buckets = append(l.buckets, fmt.Sprintf("%s %d %d", bucket, perMinute, burst))
	if l.err != nil {
		return 0, 0, 0, l.err
	}
	if len(l.waits) == 0 || l.waits[0] == 0 {
		l.waits = l.waits[min(1, len(l.waits)):]
		return 1, 0, 0, nil
	}
	w := l.waits[0]
	l.waits = l.waits[1:]
	return 0, 0, w, nil
}

// flakyTransport fails its first round trips like a dropped connection.
type flakyTransport struct {
	failures, calls int
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls++
	if f.calls <= f.failures {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAcknowledge(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{})
	if err := c.Acknowledge(context.Background(), "Q1"); err != nil {
		t.Fatalf("Acknowledge: %v", err)
	}
	r := f.recorded()[0]
	if r.Method != http.MethodPut || r.Path != "/incidents" || r.Header.Get("From") != testFrom {
		t.Errorf("request = %s %s From=%q", r.Method, r.Path, r.Header.Get("From"))
	}
	var body map[string][]map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"id": "Q1", "type": "incident", "status": "acknowledged"}}
	if len(body["incidents"]) != 1 || fmt.Sprint(body["incidents"]) != fmt.Sprint(want) || len(body) != 1 {
		t.Errorf("body = %s, want only %v", r.Body, want)
	}
}

func TestAcknowledgeAlreadyAcknowledged(t *testing.T) {
	f := newFakePD(t)
	f.fail("PUT /incidents", fakeReply{status: 400, body: `{"error":{"message":"Incident Already Acknowledged","code":1002}}`})
	c := newTestClient(t, f, ClientOptions{})
	if err := c.Acknowledge(context.Background(), "Q1"); err != nil {
		t.Errorf("Acknowledge of an acknowledged incident: %v", err)
	}
}

func TestWritesAreRefusedWithoutRequest(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*noctuary.Integration)
		id    string
		code  string
		write func(*testClient, string) error
	}{
		{"inbound note", func(i *noctuary.Integration) { i.Direction = noctuary.DirectionInbound }, "Q1", noctuary.EForbidden, addNote},
		{"inbound ack", func(i *noctuary.Integration) { i.Direction = noctuary.DirectionInbound }, "Q1", noctuary.EForbidden, ack},
		{"no from", func(i *noctuary.Integration) { i.From = "" }, "Q1", noctuary.EInvalid, addNote},
		{"path in id", func(*noctuary.Integration) {}, "../users", noctuary.EInvalid, addNote},
		{"query in id", func(*noctuary.Integration) {}, "Q1?x=1", noctuary.EInvalid, ack},
		{"empty id", func(*noctuary.Integration) {}, "", noctuary.EInvalid, ack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePD(t)
			c := newTestClient(t, f, ClientOptions{}, tt.edit)
			wantCode(t, tt.write(c, tt.id), tt.code)
			if n := len(f.recorded()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func addNote(c *testClient, id string) error {
	_, err := c.AddNote(context.Background(), id, "x")
	return err
}
func ack(c *testClient, id string) error { return c.Acknowledge(context.Background(), id) }

func TestIncident(t *testing.T) {
	f := newFakePD(t)
	f.incidents["Q1"] = `{"id":"Q1","type":"incident","incident_number":4242,"title":"Primary DB unreachable",
		"status":"triggered","html_url":"https://acme.pagerduty.com/incidents/Q1","incident_key":"db-down","urgency":"high",
		"created_at":"2026-03-01T10:15:00Z","service":{"id":"PSVC1","type":"service_reference","summary":"Orders API"},
		"escalation_policy":{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"}}`
	c := newTestClient(t, f, ClientOptions{})
	in, err := c.Incident(context.Background(), "Q1")
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	want := noctuary.Incident{ID: "Q1", Number: 4242, Title: "Primary DB unreachable", Status: "triggered",
		HTMLURL: "https://acme.pagerduty.com/incidents/Q1", IncidentKey: "db-down", Urgency: "high",
		CreatedAt:        time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC),
		Service:          noctuary.Reference{ID: "PSVC1", Type: "service_reference", Summary: "Orders API"},
		EscalationPolicy: noctuary.Reference{ID: "PEP1", Type: "escalation_policy_reference", Summary: "Default"}}
	if fmt.Sprintf("%+v", in) != fmt.Sprintf("%+v", want) {
		t.Errorf("Incident =\n%+v\nwant\n%+v", in, want)
	}
	_, err = c.Incident(context.Background(), "QNONE")
	wantCode(t, err, noctuary.ENotFound)
}

func TestNotes(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{})
	if _, err := c.AddNote(context.Background(), "Q1", "first"); err != nil {
		t.Fatal(err)
	}
	notes, err := c.Notes(context.Background(), "Q1")
	want := []Note{{ID: "PNOTE1", Content: "first", CreatedAt: time.Date(2026, 11, 23, 2, 15, 3, 0, time.UTC)}}
	if err != nil || !slices.Equal(notes, want) {
		t.Errorf("Notes = %v, %v; want %v", notes, err, want)
	}
}

func TestOnCallEmails(t *testing.T) {
	f := newFakePD(t)
	f.oncalls = `[
		{"escalation_level":1,"user":{"id":"PU1","type":"user","name":"Alice","email":"Alice@example.com"},"escalation_policy":{"id":"PEP1"}},
		{"escalation_level":2,"user":{"id":"PU2","type":"user_reference","summary":"Bob"},"escalation_policy":{"id":"PEP1"}},
		{"escalation_level":2,"user":{"id":"PU1","type":"user","name":"Alice","email":"alice@example.com"},"escalation_policy":{"id":"PEP1"}}]`
	f.users["PU2"] = `{"id":"PU2","type":"user","name":"Bob","email":"bob@example.com"}`
	c := newTestClient(t, f, ClientOptions{})
	emails, err := c.OnCallEmails(context.Background(), "PEP1")
	if err != nil {
		t.Fatalf("OnCallEmails: %v", err)
	}
	if want := []string{"alice@example.com", "bob@example.com"}; !slices.Equal(emails, want) {
		t.Errorf("emails = %v, want %v", emails, want)
	}
	reqs := f.recorded()
	q, _ := url.ParseQuery(reqs[0].Query)
	if reqs[0].Path != "/oncalls" || q.Get("escalation_policy_ids[]") != "PEP1" || q.Get("include[]") != "users" {
		t.Errorf("on-call request = %s?%s", reqs[0].Path, reqs[0].Query)
	}
	if len(reqs) != 2 || reqs[1].Path != "/users/PU2" {
		t.Errorf("requests = %v, want /oncalls then /users/PU2", reqs)
	}
}

func TestNewClientRefusesBadIntegrations(t *testing.T) {
	tests := []struct {
		name  string
		integ noctuary.Integration
	}{
		{"empty token", noctuary.Integration{ID: "prod", From: testFrom}},
		{"relative URL", noctuary.Integration{ID: "prod", Token: "k", APIURL: "api.pagerduty.com"}},
		{"ftp URL", noctuary.Integration{ID: "prod", Token: "k", APIURL: "ftp://api.pagerduty.com"}},
		{"user info", noctuary.Integration{ID: "prod", Token: "k", APIURL: "https://u:p@api.pagerduty.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(tt.integ, ClientOptions{})
			wantCode(t, err, noctuary.EInvalid)
		})
	}
}

func TestLimiterIsAskedBeforeEachRequest(t *testing.T) {
	f := newFakePD(t)
	lim := &fakeLimiter{waits: []time.Duration{3 * time.Second}}
	c := newTestClient(t, f, ClientOptions{Limiter: lim})
	if err := c.CheckKey(context.Background()); err != nil {
		t.Fatalf("CheckKey: %v", err)
	}
	if !slices.Equal(c.sleeps, []time.Duration{3 * time.Second}) || lim.calls != 2 || len(f.recorded()) != 1 {
		t.Errorf("sleeps %v, reservations %d, requests %d; want [3s], 2, 1", c.sleeps, lim.calls, len(f.recorded()))
	}
	b := lim.buckets[0]
	if !strings.HasPrefix(b, "pd:") || !strings.HasSuffix(b, " 960 480") || strings.Contains(b, testToken) {
		t.Errorf("bucket = %q, want pd:<hash> 960 480", b)
	}
}

func TestLimiterFailures(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{Limiter: &fakeLimiter{err: noctuary.Errorf(noctuary.EUnavailable, "redis down")}})
	wantCode(t, c.CheckKey(context.Background()), noctuary.EUnavailable)

	c = newTestClient(t, f, ClientOptions{Limiter: &fakeLimiter{waits: []time.Duration{90 * time.Second}}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.CheckKey(ctx) // the budget's wait outlives the caller's deadline
	wantCode(t, err, noctuary.EUnavailable)
	if wait, ok := RetryAfter(err); !ok || wait != 90*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 90s", wait, ok)
	}
	if len(f.recorded()) != 0 {
		t.Errorf("%d requests sent without budget", len(f.recorded()))
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second},
		{"past date", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{"ratelimit-reset", map[string]string{"ratelimit-reset": "12"}, 12 * time.Second},
		{"retry-after wins", map[string]string{"Retry-After": "1", "ratelimit-reset": "12"}, time.Second},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"negative", map[string]string{"Retry-After": "-5"}, 0},
		{"huge", map[string]string{"Retry-After": "99999999999999"}, maxRetryAfter},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got, _ := retryAfterHeader(h, now); got != tt.want {
				t.Errorf("retryAfterHeader = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTokenNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFakePD(t)
	for range 2 {
		f.fail("GET /abilities", fakeReply{status: 500, body: `{"error":{"message":"Internal Server Error"}}`})
	}
	f.fail("POST /incidents/Q1/notes", fakeReply{status: 401, body: `{"error":{"message":"Unauthorized","code":2006}}`})
	c := newTestClient(t, f, ClientOptions{Logger: logger, MaxAttempts: 2})
	var errs []error
	errs = append(errs, c.CheckKey(context.Background()))
	_, err := c.AddNote(context.Background(), "Q1", "x")
	errs = append(errs, err)
	_, err = c.Incident(context.Background(), "QMISSING")
	errs = append(errs, err)
	f.Close()
	errs = append(errs, c.CheckKey(context.Background()))
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), noctuary.ErrorMessage(err)} {
			if strings.Contains(s, testToken) {
				t.Errorf("error text holds the token: %s", s)
			}
		}
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), testToken) {
		t.Errorf("logs are empty or hold the token:\n%s", logs.String())
	}
}

// TestPostNoteOnce: a first attempt posts with one request; a checked
// attempt finds the note carrying the triage ID and posts nothing.
func TestPostNoteOnce(t *testing.T) {
	fake := pdtest.New(t, "tok")
	c, err := NewClient(noctuary.Integration{ID: "default", Token: "tok", From: "n@example.com", APIURL: fake.URL, Direction: noctuary.DirectionBidirectional}, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	note := RenderNote(noctuary.Triage{ID: "tr_once", Engine: noctuary.EngineHeuristic, Hypothesis: "h", Recommendation: noctuary.Recommendation{Text: "r"}})
	post := noctuary.NotePost{IncidentID: "QONCE", TriageID: "tr_once", Content: note}
	first, err := c.PostNote(context.Background(), post)
	if err != nil || fake.Requests() != 1 {
		t.Fatalf("a first attempt made %d requests (%v), want 1", fake.Requests(), err)
	}
	post.Content, post.Check = note+" (retry)", true
	again, err := c.PostNote(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	if first != again || len(fake.Notes("QONCE")) != 1 {
		t.Fatalf("ids %q/%q, %d notes; want one note", first, again, len(fake.Notes("QONCE")))
	}
	other := noctuary.NotePost{IncidentID: "QONCE", TriageID: "tr_other", Content: note, Check: true}
	if _, err := c.PostNote(context.Background(), other); err != nil || len(fake.Notes("QONCE")) != 2 {
		t.Fatalf("another triage must post its own note: %v, %d notes", err, len(fake.Notes("QONCE")))
	}
}

// TestOnlyNotesAndAcknowledgementsAreWritten checks the transport's guard:
// whatever go-pagerduty is asked, only reads, notes and the acknowledgement
// leave the process (docs/architecture.md, "Safety").
func TestOnlyNotesAndAcknowledgementsAreWritten(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{http.MethodGet, "/incidents/Q1", true},
		{http.MethodGet, "/abilities", true},
		{http.MethodPost, "/incidents/Q1ABC/notes", true},
		{http.MethodPost, "/base/incidents/Q1ABC/notes", true},
		{http.MethodPut, "/incidents", true},
		{http.MethodPost, "/incidents", false},
		{http.MethodPost, "/incidents/Q1/merge", false},
		{http.MethodPost, "/incidents/Q1/x/notes", false},
		{http.MethodPost, "/notes", false},
		{http.MethodPut, "/incidents/Q1", false},
		{http.MethodDelete, "/incidents/Q1", false},
		{http.MethodPost, "/services", false},
	}
	for _, tt := range tests {
		if got := allowedRequest(tt.method, tt.path); got != tt.want {
			t.Errorf("allowedRequest(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c, err := NewClient(noctuary.Integration{ID: "prod", Token: "k", From: "a@b.c", APIURL: srv.URL}, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.keys[0].api.CreateIncidentWithContext(context.Background(), "a@b.c", &pagerduty.CreateIncidentOptions{Title: "x"})
	if err == nil || hits.Load() != 0 {
		t.Fatalf("creating an incident: err %v, %d requests reached PagerDuty", err, hits.Load())
	}
	err = c.call(context.Background(), "create an incident", urgent, func(ctx context.Context, api *pagerduty.Client) error {
		_, err := api.CreateIncidentWithContext(ctx, "a@b.c", &pagerduty.CreateIncidentOptions{Title: "x"})
		return err
	}, nil)
	if noctuary.ErrorCode(err) != noctuary.EForbidden || hits.Load() != 0 {
		t.Fatalf("call: %v (code %q), %d requests; want forbidden at once", err, noctuary.ErrorCode(err), hits.Load())
	}
}

package pd

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// testClient is a Client on a fake PagerDuty whose sleeps are recorded
// instead of slept.
type testClient struct {
	*Client
	sleeps []time.Duration
}

func newTestClient(t *testing.T, f *fakePD, opt ClientOptions, edit ...func(*noctuary.Integration)) *testClient {
	t.Helper()
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: testToken, From: testFrom, APIURL: f.URL + "/"}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	for _, e := range edit {
		e(&integ)
	}
	c, err := NewClient(integ, opt)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	tc := &testClient{Client: c}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		tc.sleeps = append(tc.sleeps, d)
		return ctx.Err()
	}
	c.jitter = func(time.Duration) time.Duration { return 0 }
	return tc
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := noctuary.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func TestAddNotePostsNoteAsFromUser(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{})
	id, err := c.AddNote(context.Background(), "Q1ABCDEF", "Noctuary Context\nHypothesis: x")
	if err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if id != "PNOTE1" {
		t.Errorf("note id = %q, want PNOTE1", id)
	}
	reqs := f.recorded()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/incidents/Q1ABCDEF/notes" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	for h, want := range map[string]string{"From": testFrom, "Accept": pdAccept, "Content-Type": "application/json",
		"Authorization": "Token token=" + testToken} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var body struct {
		Note struct{ Content string } `json:"note"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.Note.Content != "Noctuary Context\nHypothesis: x" {
		t.Errorf("body = %s (%v)", r.Body, err)
	}
}

func TestAddNoteHonoursRetryAfterOn429(t *testing.T) {
	f := newFakePD(t)
	f.fail("POST /incidents/Q1/notes", fakeReply{status: 429, header: map[string]string{"Retry-After": "2"},
		body: `{"error":{"message":"Rate Limit Exceeded","code":2020}}`})
	lim := &fakeLimiter{}
	c := newTestClient(t, f, ClientOptions{Limiter: lim})
	if _, err := c.AddNote(context.Background(), "Q1", "note"); err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if n := f.noteCount("Q1"); n != 1 {
		t.Errorf("%d notes, want exactly 1", n)
	}
	if len(c.sleeps) != 1 || c.sleeps[0] != 2*time.Second {
		t.Errorf("sleeps = %v, want [2s]", c.sleeps)
	}
	if lim.calls != 2 {
		t.Errorf("%d reservations, want one per request (2)", lim.calls)
	}
}

func TestAddNoteAfterAmbiguousFailurePostsOnce(t *testing.T) {
	f := newFakePD(t)
	f.fail("POST /incidents/Q1/notes", fakeReply{status: 502, body: `{"error":{"message":"Bad Gateway"}}`, landed: true})
	c := newTestClient(t, f, ClientOptions{})
	id, err := c.AddNote(context.Background(), "Q1", "the note")
	if err != nil {
		t.Fatalf("AddNote: %v", err)
	}
	if n := f.noteCount("Q1"); n != 1 || id != "PNOTE1" {
		t.Errorf("%d notes, id %q; want 1 note PNOTE1", n, id)
	}
}

func TestServerErrorsExhaustRetries(t *testing.T) {
	f := newFakePD(t)
	for range 3 {
		f.fail("GET /incidents/Q1", fakeReply{status: 503, body: `{"error":{"message":"Service Unavailable"}}`})
	}
	c := newTestClient(t, f, ClientOptions{MaxAttempts: 3})
	_, err := c.Incident(context.Background(), "Q1")
	wantCode(t, err, noctuary.EUnavailable)
	wait, ok := RetryAfter(err)
	if !ok || wait != 1*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 1s (third backoff), true", wait, ok)
	}
	if len(f.recorded()) != 3 {
		t.Errorf("%d requests, want 3", len(f.recorded()))
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}
	if len(c.sleeps) != 2 || c.sleeps[0] != want[0] || c.sleeps[1] != want[1] {
		t.Errorf("sleeps = %v, want %v", c.sleeps, want)
	}
}

func TestAddNoteServerErrorsPostNothingTwice(t *testing.T) {
	f := newFakePD(t)
	for range 3 {
		f.fail("POST /incidents/Q1/notes", fakeReply{status: 500, body: `{"error":{"message":"Internal Server Error"}}`})
	}
	c := newTestClient(t, f, ClientOptions{MaxAttempts: 3})
	_, err := c.AddNote(context.Background(), "Q1", "note")
	wantCode(t, err, noctuary.EUnavailable)
	var got []string
	for _, r := range f.recorded() {
		got = append(got, r.Method)
	}
	if strings.Join(got, " ") != "POST GET POST GET POST" {
		t.Errorf("requests = %v, want each retry preceded by a notes check", got)
	}
}

func TestRetryAfterBeyondMaxWaitStopsAtOnce(t *testing.T) {
	f := newFakePD(t)
	f.fail("GET /abilities", fakeReply{status: 429, header: map[string]string{"Retry-After": "120"},
		body: `{"error":{"message":"Rate Limit Exceeded","code":2020}}`})
	c := newTestClient(t, f, ClientOptions{})
	err := c.CheckKey(context.Background())
	wantCode(t, err, noctuary.EUnavailable)
	if wait, _ := RetryAfter(err); wait != 120*time.Second || len(c.sleeps) != 0 {
		t.Errorf("RetryAfter = %v, sleeps %v; want 120s and no sleep", wait, c.sleeps)
	}
}

func TestContextDeadlineBoundsTheWait(t *testing.T) {
	f := newFakePD(t)
	f.fail("GET /abilities", fakeReply{status: 429, header: map[string]string{"Retry-After": "30"}, body: `{}`})
	c := newTestClient(t, f, ClientOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.CheckKey(ctx)
	wantCode(t, err, noctuary.EUnavailable)
	if len(c.sleeps) != 0 {
		t.Errorf("slept %v past the context deadline", c.sleeps)
	}
}

func TestTransportErrorsAreRetried(t *testing.T) {
	f := newFakePD(t)
	rt := &flakyTransport{failures: 2}
	c := newTestClient(t, f, ClientOptions{HTTPClient: &http.Client{Transport: rt}})
	if err := c.CheckKey(context.Background()); err != nil {
		t.Fatalf("CheckKey: %v", err)
	}
	if rt.calls != 3 || len(c.sleeps) != 2 {
		t.Errorf("%d round trips, sleeps %v; want 3 and 2 sleeps", rt.calls, c.sleeps)
	}
}

func TestFinalErrorsAreNotRetried(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   string
	}{
		{"401 unauthorized", 401, `{"error":{"message":"Unauthorized","code":2006}}`, noctuary.EUnauthorized},
		{"403 forbidden", 403, `{"error":{"message":"Access Denied","code":2010}}`, noctuary.EForbidden},
		{"403 authentication failed", 403, `{"error":{"message":"Authentication failed","code":2006}}`, noctuary.EUnauthorized},
		{"403 lost access", 403, `{"error":{"message":"Access Denied: You may have lost access to this incident if it has been resolved","code":2018}}`, noctuary.EForbidden},
		{"404 not found", 404, `{"error":{"message":"Not Found","code":2100}}`, noctuary.ENotFound},
		{"400 invalid", 400, `{"error":{"message":"Invalid Input Provided","code":2001}}`, noctuary.EInvalid},
		{"409 conflict", 409, `{"error":{"message":"Conflict"}}`, noctuary.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePD(t)
			f.fail("POST /incidents/Q1/notes", fakeReply{status: tt.status, body: tt.body})
			c := newTestClient(t, f, ClientOptions{})
			_, err := c.AddNote(context.Background(), "Q1", "note")
			wantCode(t, err, tt.code)
			if _, ok := RetryAfter(err); ok {
				t.Error("final error reports a RetryAfter")
			}
			if len(f.recorded()) != 1 || len(c.sleeps) != 0 {
				t.Errorf("%d requests, sleeps %v; want 1 and none", len(f.recorded()), c.sleeps)
			}
		})
	}
}

func TestWrongKeyIsUnauthorized(t *testing.T) {
	f := newFakePD(t)
	c := newTestClient(t, f, ClientOptions{}, func(i *noctuary.Integration) { i.Token = "wrong-key" })
	err := c.CheckKey(context.Background())
	wantCode(t, err, noctuary.EUnauthorized)
	if len(f.recorded()) != 1 {
		t.Errorf("%d requests, want 1 (no retry)", len(f.recorded()))
	}
	if err := newTestClient(t, f, ClientOptions{}).CheckKey(context.Background()); err != nil {
		t.Errorf("CheckKey with the right key: %v", err)
	}
}

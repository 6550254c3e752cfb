package actions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/actions"
)

const secret = noctuary.Secret("hook-secret-do-not-leak")

var clock = time.Date(2026, 11, 23, 2, 20, 0, 0, time.UTC)

// receiver is an action webhook that verifies each request and counts them.
type receiver struct {
	t      *testing.T
	calls  atomic.Int32
	status int
	answer string
	last   atomic.Pointer[http.Request]
	body   atomic.Pointer[[]byte]
}

func newReceiver(t *testing.T, status int, answer string) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, status: status, answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	ts, sig := r.Header.Get(actions.HeaderTimestamp), r.Header.Get(actions.HeaderSignature)
	if err := actions.Verify(secret, ts, body, sig); err != nil {
		rc.t.Errorf("receiver: %v", err)
	}
	rc.last.Store(r)
	rc.body.Store(&body)
	w.WriteHeader(rc.status)
	_, _ = io.WriteString(w, rc.answer)
}

func spec(url string, destructive bool) noctuary.ActionSpec {
	return noctuary.ActionSpec{Name: "rollback", Destructive: destructive, Webhook: url, Secret: secret, Params: []string{"sha"}}
}

func request(url string, destructive bool) noctuary.ActionRequest {
	return noctuary.ActionRequest{
		Action:   spec(url, destructive),
		Params:   map[string]string{"sha": "f8b3e22"},
		Incident: noctuary.Incident{ID: "Q1ABC", Number: 42, HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABC"},
		Service:  "checkout", ApprovedBy: "U0ALICE", ApprovedByEmail: "alice@example.com", AuditID: "ap_123",
	}
}

func newRunner(logs io.Writer, timeout time.Duration) *actions.Runner {
	return actions.New(actions.Options{
		Timeout: timeout, RetryDelay: time.Millisecond, Now: func() time.Time { return clock },
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
}

func TestRunSignsAndSendsTheDeclaredFields(t *testing.T) {
	rc, srv := newReceiver(t, http.StatusOK, `{"ok":true}`)
	res := newRunner(io.Discard, 0).Run(context.Background(), request(srv.URL, true))
	if res.Err != nil || res.Status != 200 || res.Body != `{"ok":true}` {
		t.Fatalf("Run = %+v", res)
	}
	r := rc.last.Load()
	if got := r.Header.Get(actions.HeaderTimestamp); got != "1795400400" {
		t.Errorf("timestamp = %q", got)
	}
	if got := r.Header.Get(actions.HeaderIdempotency); got != "ap_123" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	var got map[string]any
	if err := json.Unmarshal(*rc.body.Load(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"action": "rollback", "params": map[string]any{"sha": "f8b3e22"}, "service": "checkout", "audit_id": "ap_123",
		"incident":    map[string]any{"id": "Q1ABC", "number": 42.0, "url": "https://acme.pagerduty.com/incidents/Q1ABC"},
		"approved_by": map[string]any{"slack_user": "U0ALICE", "email": "alice@example.com"},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("body = %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestRunKeepsTheFirst500Characters(t *testing.T) {
	_, srv := newReceiver(t, http.StatusAccepted, strings.Repeat("é", 800))
	res := newRunner(io.Discard, 0).Run(context.Background(), request(srv.URL, false))
	if res.Err != nil || res.Status != 202 || res.Body != strings.Repeat("é", 500) {
		t.Fatalf("Run = status %d, %d chars, err %v", res.Status, len([]rune(res.Body)), res.Err)
	}
}

func TestRunRetries(t *testing.T) {
	tests := []struct {
		name        string
		destructive bool
		status      int
		wantCalls   int32
	}{
		{"destructive 500 is not retried", true, 500, 1},
		{"destructive 503 is not retried", true, 503, 1},
		{"non-destructive 500 is retried", false, 500, 3},
		{"non-destructive 400 is not retried", false, 400, 1},
		{"2xx is final", false, 204, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := newReceiver(t, tt.status, "boom")
			res := newRunner(io.Discard, 0).Run(context.Background(), request(srv.URL, tt.destructive))
			if got := rc.calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if (res.Err == nil) != (tt.status < 300) || res.Status != tt.status {
				t.Errorf("Run = %+v", res)
			}
		})
	}
}

// TestRunTimesOut counts the attempts the runner sends, not those the
// webhook received: 20 ms may pass on a loaded machine before the request
// reaches the handler, or even before the connection is made.
func TestRunTimesOut(t *testing.T) {
	srv := hangingServer(t, new(atomic.Int32))
	sent := &countingTransport{}
	r := actions.New(actions.Options{HTTPClient: &http.Client{Transport: sent}, Timeout: 20 * time.Millisecond, RetryDelay: time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	res := r.Run(context.Background(), request(srv.URL, true))
	if noctuary.ErrorCode(res.Err) != noctuary.EUnavailable || !strings.Contains(noctuary.ErrorMessage(res.Err), "did not answer within 20ms") {
		t.Fatalf("Run err = %v", res.Err)
	}
	if n := sent.n.Load(); n != 1 {
		t.Errorf("attempts sent = %d, want 1", n)
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestRunDoesNotFollowRedirects(t *testing.T) {
	rc, target := newReceiver(t, 200, "")
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	res := newRunner(io.Discard, 0).Run(context.Background(), request(srv.URL, true))
	if res.Err == nil || res.Status != http.StatusTemporaryRedirect || rc.calls.Load() != 0 {
		t.Fatalf("Run = %+v, target calls %d", res, rc.calls.Load())
	}
}

func TestRunRefusesBadRequests(t *testing.T) {
	rc, srv := newReceiver(t, 200, "")
	tests := []struct {
		name string
		edit func(*noctuary.ActionRequest)
		want string
	}{
		{"undeclared param", func(r *noctuary.ActionRequest) { r.Params["force"] = "true" }, `parameter "force" is not declared`},
		{"no secret", func(r *noctuary.ActionRequest) { r.Action.Secret = "" }, "never sent unsigned"},
		{"no audit id", func(r *noctuary.ActionRequest) { r.AuditID = "" }, "needs an audit ID"},
		{"relative webhook", func(r *noctuary.ActionRequest) { r.Action.Webhook = "/hooks/rollback" }, "absolute http(s) webhook URL"},
		{"ftp webhook", func(r *noctuary.ActionRequest) { r.Action.Webhook = "ftp://x/y" }, "absolute http(s) webhook URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(srv.URL, true)
			tt.edit(&req)
			res := newRunner(io.Discard, 0).Run(context.Background(), req)
			if noctuary.ErrorCode(res.Err) != noctuary.EInvalid || !strings.Contains(res.Err.Error(), tt.want) {
				t.Errorf("Run err = %v, want %q", res.Err, tt.want)
			}
		})
	}
	if rc.calls.Load() != 0 {
		t.Errorf("the webhook was called %d times", rc.calls.Load())
	}
}

func TestRunLeaksNoSecret(t *testing.T) {
	_, failing := newReceiver(t, 500, "nope")
	hang := hangingServer(t, new(atomic.Int32))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var logs bytes.Buffer
	r := newRunner(&logs, 20*time.Millisecond)
	for _, url := range []string{failing.URL, hang.URL + "?token=query-token-do-not-leak", "http://user:pw-do-not-leak@" + strings.TrimPrefix(closed.URL, "http://")} {
		res := r.Run(context.Background(), request(url, false))
		if res.Err == nil {
			t.Fatalf("Run(%s) succeeded", url)
		}
		logs.WriteString(res.Err.Error())
		logs.WriteString(noctuary.ErrorMessage(res.Err))
	}
	for _, s := range []string{secret.Reveal(), "query-token-do-not-leak", "pw-do-not-leak"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("errors or logs contain %q:\n%s", s, logs.String())
		}
	}
}

// hangingServer never answers until the test ends.
func hangingServer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

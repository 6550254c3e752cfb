package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

const testSigningSecret = "slack-signing-test"

// slackCall is one Web API call the fake Slack received.
type slackCall struct {
	Method string
	Form   url.Values
	// Body is the raw body (JSON for views.open).
	Body []byte
}

// fakeSlack speaks the Slack Web API's wire format (form posts, {"ok":...}
// answers) for the methods Noctuary calls; down makes it answer 500, refuse
// answers a method with a Slack error code, and hang never answers it.
// apps.connections.open answers a Socket Mode URL at /ws carrying
// socketTicket (first any of socketURLs), and /ws says hello and stays open
// (see setSocketDown).
type fakeSlack struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []slackCall
	down   bool
	refuse map[string]string
	hang   map[string]bool
	// socketURLs are answered by apps.connections.open before its own URL.
	socketURLs []string
	socketDown bool
	sockets    []*websocket.Conn
}

// socketTicket stands for the secret connection ticket in Slack's Socket
// Mode URL.
const socketTicket = "wss-ticket-not-for-logs"

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{refuse: map[string]string{}, hang: map[string]bool{}}
	stop := make(chan struct{})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			f.serveSocket(w, r, stop)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		_ = r.ParseForm()
		method := strings.TrimPrefix(r.URL.Path, "/")
		f.mu.Lock()
		down, refusal, hang := f.down, f.refuse[method], f.hang[method]
		if !down {
			f.calls = append(f.calls, slackCall{Method: method, Form: r.PostForm, Body: raw})
		}
		n := len(f.calls)
		f.mu.Unlock()
		if down {
			http.Error(w, "slack is down", http.StatusInternalServerError)
			return
		}
		if hang {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if refusal != "" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": refusal})
			return
		}
		switch method {
		case "apps.connections.open":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": f.socketURL()})
		case "users.info":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{
				"id": r.PostForm.Get("user"), "name": "alice", "real_name": "Alice", "profile": map[string]any{"email": "alice@example.com"}}})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": "1700000000.00" + strconv.Itoa(n)})
		}
	}))
	t.Cleanup(func() {
		close(stop)
		f.Close()
	})
	return f
}

// socketURL is the next URL apps.connections.open answers.
func (f *fakeSlack) socketURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.socketURLs) > 0 {
		u := f.socketURLs[0]
		f.socketURLs = f.socketURLs[1:]
		return u
	}
	return "ws" + strings.TrimPrefix(f.URL, "http") + "/ws?ticket=" + socketTicket
}

// serveSocket is Socket Mode's websocket: hello, then a ping every second
// (slack-go reconnects when Slack stops pinging) until the client leaves,
// the connection is dropped or stop.
func (f *fakeSlack) serveSocket(w http.ResponseWriter, r *http.Request, stop chan struct{}) {
	f.mu.Lock()
	down := f.socketDown
	f.mu.Unlock()
	if down {
		http.Error(w, "socket mode is down", http.StatusServiceUnavailable)
		return
	}
	// slack-go sends Origin: https://api.slack.com.
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	f.mu.Lock()
	f.sockets = append(f.sockets, conn)
	f.mu.Unlock()
	if conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1}) != nil {
		return
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(time.Second)
	defer ping.Stop()
	for {
		select {
		case <-gone:
			return
		case <-stop:
			return
		case <-ping.C:
			_ = conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
		}
	}
}

// setSocketDown drops every Socket Mode connection and refuses new ones
// (down), or accepts them again.
func (f *fakeSlack) setSocketDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.socketDown = down
	if down {
		for _, c := range f.sockets {
			_ = c.Close()
		}
		f.sockets = nil
	}
}

func (f *fakeSlack) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// posts returns the chat.postMessage calls.
func (f *fakeSlack) posts() []slackCall { return f.callsTo("chat.postMessage") }

// callsTo returns the calls of one method (or response_url path), in order.
func (f *fakeSlack) callsTo(method string) []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []slackCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitPosts waits until n chat.postMessage calls arrived, and fails the test
// unless exactly n did.
func (f *fakeSlack) waitPosts(t *testing.T, n int, within time.Duration) []slackCall {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(f.posts()) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	posts := f.posts()
	if len(posts) != n {
		t.Fatalf("%d chat.postMessage calls, want %d", len(posts), n)
	}
	return posts
}

func withSlack(f *fakeSlack) func(*config.Config) { return withSlackAt(f.URL) }

// withSlackAt points the bot at the Slack Web API at url.
func withSlackAt(url string) func(*config.Config) {
	return func(c *config.Config) {
		c.Slack.BotToken, c.Slack.SigningSecret, c.Slack.APIURL = "xoxb-test", testSigningSecret, url+"/"
		c.Slack.Admins = []string{"U0ADMIN"}
		c.Services[0].SlackChannel = "C0CHECKOUT"
	}
}

// slashCommand sends a signed /noctuary command and returns the status and
// the reply text.
func (e *env) slashCommand(user, command, secret string) (int, string) {
	e.t.Helper()
	body := url.Values{"command": {"/noctuary"}, "text": {command}, "user_id": {user}, "channel_id": {"C0OPS"},
		"team_id": {"T1"}, "response_url": {"https://hooks.slack.invalid/x"}, "trigger_id": {"1.2.3"}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":" + body))
	status, out := e.do("POST", "/slack/commands", []byte(body), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
		"X-Slack-Signature": "v0=" + hex.EncodeToString(mac.Sum(nil))})
	text, _ := out["text"].(string)
	if text == "" {
		raw, _ := json.Marshal(out)
		text = string(raw)
	}
	return status, text
}

// TestSlackMirrorThroughMain: a triage is mirrored once into the service's
// channel, slash commands answer through the running server, and requests
// with a bad signature are refused.
func TestSlackMirrorThroughMain(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	e := newEnv(t, withSlack(fake))
	at := onsetAt()
	e.sendEvents(seedEvents(at, "slack-")...)
	e.sendWebhook(webhook("EV-SLACK", noctuary.EventIncidentTriggered, "QSLACK", "PCHECKOUT", at))
	e.waitNotes("QSLACK", 1, 10*time.Second)
	posts := fake.waitPosts(t, 1, 10*time.Second)
	if ch := posts[0].Form.Get("channel"); ch != "C0CHECKOUT" {
		t.Errorf("posted to %q, want C0CHECKOUT", ch)
	}
	mustContain(t, posts[0].Form.Get("blocks"), "Deploy sha=a4f2c1", "Rollback to sha=f8b3e22")

	status, text := e.slashCommand("U0BOB", "status checkout", testSigningSecret)
	if status != http.StatusOK || !strings.Contains(text, "checkout") {
		t.Errorf("status command: %d %q", status, text)
	}
	status, text = e.slashCommand("U0BOB", "disable checkout", testSigningSecret)
	if status != http.StatusOK || !strings.Contains(text, "U0ADMIN") {
		t.Errorf("a non-admin's disable must be refused naming the admins: %d %q", status, text)
	}
	if status, _ := e.slashCommand("U0ADMIN", "status", "wrong-secret"); status != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", status)
	}
}

// TestSlackDownDoesNotBlockNote: with Slack failing, the PagerDuty note is
// posted on time, and the mirror is delivered once Slack is back.
func TestSlackDownDoesNotBlockNote(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	fake.setDown(true)
	e := newEnv(t, withSlack(fake))
	e.sendWebhook(webhook("EV-SLACKDOWN", noctuary.EventIncidentTriggered, "QSLACKDOWN", "PCHECKOUT", onsetAt()))
	e.waitNotes("QSLACKDOWN", 1, 5*time.Second)
	e.waitPendingZero(5 * time.Second)
	fake.setDown(false)
	deadline := time.Now().Add(30 * time.Second)
	for len(fake.posts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(fake.posts()); n != 1 {
		t.Fatalf("%d Slack messages once Slack is back, want 1", n)
	}
}

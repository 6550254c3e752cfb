package bot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// slackCall is one request the fake Slack received.
type slackCall struct {
	Method string
	Form   url.Values
	Body   []byte
}

// fakeSlack speaks the Web API's wire format: form-encoded posts with the
// token in the form (or a Bearer header), JSON answers. Paths under
// /response/ stand for response_url.
type fakeSlack struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []slackCall
	nextTS int
	emails map[string]string   // user ID -> email
	groups map[string][]string // user group ID -> members
	// fail maps a method to errors to answer before succeeding:
	// "429" (Retry-After: 7) or a Slack error code such as channel_not_found.
	fail map[string][]string
	// ws, when set, serves the Socket Mode websocket at /ws.
	ws http.HandlerFunc
	// holds maps a method to where its calls wait (holdCalls).
	holds map[string]*hold
}

// hold is where the calls of a held method wait, once recorded, until
// release is closed; arrived is closed when the first one comes.
type hold struct {
	arrived, release chan struct{}
	once             sync.Once
}

// holdCalls makes the calls of method wait, once recorded, until release
// is called (at the latest when the test ends); arrived is closed when the
// first one comes.
func (f *fakeSlack) holdCalls(method string) (arrived <-chan struct{}, release func()) {
	h := &hold{arrived: make(chan struct{}), release: make(chan struct{})}
	f.mu.Lock()
	if f.holds == nil {
		f.holds = map[string]*hold{}
	}
	f.holds[method] = h
	f.mu.Unlock()
	release = sync.OnceFunc(func() { close(h.release) })
	f.t.Cleanup(release)
	return h.arrived, release
}

const botToken = "xoxb-test-token"

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{t: t, emails: map[string]string{}, groups: map[string][]string{}, fail: map[string][]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) url() string { return f.srv.URL + "/" }

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if method == "ws" && f.ws != nil {
		f.ws(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.calls = append(f.calls, slackCall{Method: method, Form: form, Body: body})
	var failure string
	if q := f.fail[method]; len(q) > 0 {
		failure, f.fail[method] = q[0], q[1:]
	}
	held := f.holds[method]
	f.mu.Unlock()
	if held != nil {
		held.once.Do(func() { close(held.arrived) })
		select {
		case <-held.release:
		case <-r.Context().Done():
		}
	}
	if strings.HasPrefix(method, "response/") {
		w.WriteHeader(http.StatusOK)
		return
	}
	token := form.Get("token")
	if auth := r.Header.Get("Authorization"); auth != "" {
		token = strings.TrimPrefix(auth, "Bearer ")
	}
	switch {
	case failure == "429":
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	case failure != "":
		answer(w, map[string]any{"ok": false, "error": failure})
	case token != botToken && !strings.HasPrefix(token, "xapp-"):
		answer(w, map[string]any{"ok": false, "error": "invalid_auth"})
	default:
		answer(w, f.success(method, form))
	}
}

func (f *fakeSlack) success(method string, form url.Values) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch method {
	case "chat.postMessage":
		f.nextTS++
		return map[string]any{"ok": true, "channel": form.Get("channel"), "ts": fmt.Sprintf("1767261300.%06d", f.nextTS)}
	case "chat.update":
		return map[string]any{"ok": true, "channel": form.Get("channel"), "ts": form.Get("ts")}
	case "users.info":
		id := form.Get("user")
		return map[string]any{"ok": true, "user": map[string]any{"id": id, "name": strings.ToLower(id),
			"profile": map[string]any{"email": f.emails[id]}}}
	case "usergroups.users.list":
		return map[string]any{"ok": true, "users": f.groups[form.Get("usergroup")]}
	case "views.open":
		return map[string]any{"ok": true, "view": map[string]any{"id": "V1"}}
	case "apps.connections.open":
		return map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"}
	default:
		return map[string]any{"ok": false, "error": "unknown_method"}
	}
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// callsTo returns the calls of one method, in order.
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

// responses returns the texts posted to response_url.
func (f *fakeSlack) responses() []string {
	var out []string
	for _, c := range f.callsTo("response/1") {
		var m struct {
			Text         string `json:"text"`
			ResponseType string `json:"response_type"`
		}
		if err := json.Unmarshal(c.Body, &m); err != nil || m.ResponseType != "ephemeral" {
			f.t.Errorf("response_url got %s (%v), want an ephemeral message", c.Body, err)
		}
		out = append(out, m.Text)
	}
	return out
}

// messages returns postMessage calls that are not thread replies.
func (f *fakeSlack) messages() []slackCall {
	var out []slackCall
	for _, c := range f.callsTo("chat.postMessage") {
		if c.Form.Get("thread_ts") == "" {
			out = append(out, c)
		}
	}
	return out
}

// thread returns the texts of thread replies.
func (f *fakeSlack) thread() []string {
	var out []string
	for _, c := range f.callsTo("chat.postMessage") {
		if c.Form.Get("thread_ts") != "" {
			out = append(out, c.Form.Get("text"))
		}
	}
	return out
}

// blocks returns the call's blocks JSON with <, > and & unescaped, as Slack
// reads them.
func (c slackCall) blocks() string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(c.Form.Get("blocks"))
}

package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const (
	signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	adminUser     = "U0ADMIN"
)

var onset = time.Date(2026, 11, 23, 2, 14, 0, 0, time.UTC)

// harness is a Bot on a real store, a fake Slack and fake admin/approvals.
type harness struct {
	t     testing.TB
	bot   *Bot
	store *store.Store
	slack *fakeSlack
	admin *fakeAdmin
	appr  *fakeApprovals
	logs  *syncBuffer
	mu    sync.Mutex
	waits []time.Duration
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t testing.TB, kind string) *harness {
	t.Helper()
	return newHarnessWith(t, kind, store.Options{Integrations: []noctuary.Integration{
		{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional, Token: "config-token"}}})
}

// newHarnessWith builds the harness on a store opened with opt.
func newHarnessWith(t testing.TB, kind string, opt store.Options) *harness {
	t.Helper()
	h := &harness{t: t, slack: newFakeSlack(t), logs: &syncBuffer{},
		admin: &fakeAdmin{paused: map[string]bool{}},
		appr:  &fakeApprovals{approvers: []string{"U0ALICE"}, decided: map[string]bool{}}}
	h.store = storetest.Open(t, kind, opt)
	b, err := New(Options{
		BotToken: botToken, SigningSecret: signingSecret, APIURL: strings.TrimSuffix(h.slack.url(), "/"),
		Admins: []string{adminUser}, Store: h.store, Admin: h.admin, Approvals: h.appr,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	b.http = h.slack.srv.Client()
	b.dir.wait = func(_ context.Context, d time.Duration) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.waits = append(h.waits, d)
		return nil
	}
	h.bot = b
	h.slack.emails["U0ALICE"] = "alice@example.com"
	h.slack.emails["U0BOB"] = "bob@example.com"
	return h
}

// putService stores a service in the given mode, posting to C0CHECKOUT.
func (h *harness) putService(mode noctuary.Mode) {
	h.t.Helper()
	err := h.store.PutService(context.Background(), noctuary.Service{Key: "checkout", Environment: "prod",
		Enabled: true, Mode: mode, SlackChannel: "C0CHECKOUT", Approvers: []string{"U0ALICE"}, LLM: true})
	if err != nil {
		h.t.Fatal(err)
	}
}

// drain runs queued jobs until none is left.
func (h *harness) drain() {
	h.t.Helper()
	for range 50 {
		more, err := h.bot.step(context.Background(), 0)
		if err != nil {
			h.t.Fatal(err)
		}
		if !more {
			return
		}
	}
	h.t.Fatal("the job queue did not drain")
}

// signed returns a POST of form signed with secret at ts.
func signed(path string, form url.Values, secret string, ts time.Time) *http.Request {
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

func (h *harness) serve(handler http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	return w
}

// command runs /noctuary text as user and returns the ephemeral reply.
func (h *harness) command(user, text string) string {
	h.t.Helper()
	form := url.Values{"command": {SlashCommand}, "text": {text}, "user_id": {user}, "channel_id": {"C0OPS"},
		"trigger_id": {"1337.42.abcd"}, "response_url": {h.slack.srv.URL + "/response/1"}}
	w := h.serve(h.bot.CommandsHandler(), signed("/slack/commands", form, signingSecret, time.Now()))
	var rep reply
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &rep) != nil || rep.ResponseType != "ephemeral" {
		h.t.Fatalf("/noctuary %s: %d %s", text, w.Code, w.Body)
	}
	return rep.Text
}

// interaction posts an interaction payload and returns the response.
func (h *harness) interaction(cb slack.InteractionCallback) *httptest.ResponseRecorder {
	h.t.Helper()
	payload, err := json.Marshal(cb)
	if err != nil {
		h.t.Fatal(err)
	}
	form := url.Values{"payload": {string(payload)}}
	return h.serve(h.bot.InteractionsHandler(), signed("/slack/interactions", form, signingSecret, time.Now()))
}

// click clicks a button of the incident's message as user.
func (h *harness) click(user, actionID, value, incidentID string) {
	h.t.Helper()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions,
		User: slack.User{ID: user, Name: strings.ToLower(user)}, ResponseURL: h.slack.srv.URL + "/response/1",
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
			ActionID: actionID, BlockID: "noctuary_actions:" + incidentID, Value: value}}}}
	if w := h.interaction(cb); w.Code != http.StatusOK || w.Body.Len() != 0 {
		h.t.Fatalf("click: %d %q", w.Code, w.Body)
	}
}

func triageFixture(id string, created time.Time) noctuary.Triage {
	return noctuary.Triage{
		ID: id, Integration: "prod", Service: "checkout", Mode: noctuary.ModeAction,
		Incident: noctuary.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "Checkout 5xx above 5%",
			HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABCDEF", CreatedAt: onset, Status: "triggered"},
		Onset: onset, Engine: noctuary.EngineHeuristic, Hypothesis: "Deploy sha=a4f2c1 rolled out before onset",
		Confidence: 0.94,
		Signals: []noctuary.Signal{{Event: noctuary.ContextEvent{Kind: "deploy", Source: "argocd",
			OccurredAt: onset.Add(-199 * time.Second), Summary: "checkout rolled out sha=a4f2c1",
			Link: "https://argocd.example/applications/checkout"}}},
		Recommendation: noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback",
			Params: map[string]string{"sha": "f8b3e22"}, Destructive: true},
		CreatedAt: created,
	}
}

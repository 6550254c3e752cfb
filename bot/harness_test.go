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
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/agent/actions"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

const (
	signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	adminUser     = "U0ADMIN"
)

var onset = storetest.Epoch(2026, 11, 23, 2, 14, 0)

// harness is a Bot wired as Main wires it: the real store, admin
// operations and approvals, against fakes of the third parties only: Slack
// (fakeSlack), PagerDuty (pdtest) and the actions' webhook (actionHook).
type harness struct {
	t     testing.TB
	bot   *Bot
	store *store.Store
	admin *admin.Admin
	slack *fakeSlack
	pd    *pdtest.Server
	hook  *actionHook
	// clock is the approvals' clock.
	clock *storetest.Clock
	logs  *logtest.Buffer
	mu    sync.Mutex
	waits []time.Duration
}

// Integration prod's configured PagerDuty key and from address.
const (
	configKey noctuary.Secret = "pd-token"
	pdFrom                    = "noctuary@example.com"
)

// setup tunes a harness.
type setup struct {
	// pdKey is the only key the fake PagerDuty accepts (default configKey).
	pdKey noctuary.Secret
	// now is the store's and the admin's clock (default time.Now).
	now func() time.Time
}

// pdAccepts makes the fake PagerDuty accept key only (say, a rotated one).
func pdAccepts(key noctuary.Secret) func(*setup) { return func(s *setup) { s.pdKey = key } }

// storeClock runs the store and the admin operations on clk.
func storeClock(clk *storetest.Clock) func(*setup) { return func(s *setup) { s.now = clk.Now } }

// newHarness builds the bot on a store of kind (storetest.Kinds). Service
// checkout declares two actions: rollback (destructive, param sha) and
// flush-cache.
func newHarness(t testing.TB, kind string, opts ...func(*setup)) *harness {
	t.Helper()
	cfg := setup{pdKey: configKey}
	for _, o := range opts {
		o(&cfg)
	}
	h := &harness{t: t, slack: newFakeSlack(t), pd: pdtest.New(t, cfg.pdKey.Reveal()), hook: newActionHook(t),
		clock: storetest.NewClock(time.Now()), logs: &logtest.Buffer{}}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: configKey, From: pdFrom, APIURL: h.pd.URL}
	specs := []noctuary.ActionSpec{
		{Name: "rollback", Destructive: true, Webhook: h.hook.srv.URL + "/rollback", Secret: hookSecret, Params: []string{"sha"}},
		{Name: "flush-cache", Webhook: h.hook.srv.URL + "/flush", Secret: hookSecret},
	}
	h.store = storetest.Open(t, kind, store.Options{Integrations: []noctuary.Integration{integ},
		Actions: map[string][]noctuary.ActionSpec{"checkout": specs}, Now: cfg.now, Logger: logger})
	h.admin = admin.New(admin.Options{Store: h.store, Checker: pdKeyChecker{}, Now: cfg.now, Logger: logger,
		MasterKey: bytes.Repeat([]byte{7}, admin.MasterKeySize)})
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory(botToken, h.slack.url(), 0) // the approvals' own, as Main wires it
	dir.wait = h.recordWait
	decisions := approvals.New(approvals.Options{Store: h.store, Runner: actions.New(actions.Options{Logger: logger}),
		Notes: pdClients{"prod": client}, OnCall: pdClients{"prod": client}, Directory: dir, Now: h.clock.Now, Logger: logger})
	b, err := New(Options{
		BotToken: botToken, SigningSecret: signingSecret, APIURL: strings.TrimSuffix(h.slack.url(), "/"),
		Admins: []string{adminUser}, Store: h.store, Admin: h.admin, Approvals: decisions, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.http = h.slack.srv.Client()
	b.dir.wait = h.recordWait
	h.bot = b
	h.slack.emails["U0ALICE"] = "alice@example.com"
	h.slack.emails["U0BOB"] = "bob@example.com"
	return h
}

// recordWait stands for a Retry-After sleep: it records d.
func (h *harness) recordWait(_ context.Context, d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waits = append(h.waits, d)
	return nil
}

// putService stores checkout in mode, posting to C0CHECKOUT, U0ALICE its
// approver.
func (h *harness) putService(mode noctuary.Mode) {
	h.t.Helper()
	h.put(checkout(mode))
}

// checkout is service checkout in mode, U0ALICE its approver.
func checkout(mode noctuary.Mode) noctuary.Service {
	return noctuary.Service{Mode: mode, Approvers: []string{"U0ALICE"}, LLM: true}
}

// put stores svc as service checkout (prod), enabled, posting to C0CHECKOUT.
func (h *harness) put(svc noctuary.Service) {
	h.t.Helper()
	svc.Key, svc.Environment, svc.Enabled, svc.SlackChannel = "checkout", "prod", true, "C0CHECKOUT"
	if err := h.store.PutService(context.Background(), svc); err != nil {
		h.t.Fatal(err)
	}
}

// posted returns a harness (embedded store) showing the message of incident
// Q1ABCDEF of svc (stored as checkout), as the worker leaves it: incident
// and triage tri-1 stored, then mirrored. The triage recommends a rollback
// unless edit changes it.
func posted(t *testing.T, svc noctuary.Service, edit ...func(*noctuary.Triage)) *harness {
	t.Helper()
	h := newHarness(t, "embedded")
	h.post(svc, edit...)
	return h
}

// post stores svc as checkout and shows the message of incident Q1ABCDEF
// (triage tri-1) as posted does.
func (h *harness) post(svc noctuary.Service, edit ...func(*noctuary.Triage)) {
	h.t.Helper()
	h.queuePost(svc, edit...)
	h.drain()
	if len(h.slack.messages()) != 1 {
		h.t.Fatal("the message was not posted")
	}
}

// queuePost stores svc as checkout, incident Q1ABCDEF and its triage tri-1,
// and queues the job posting its message, as the worker leaves them.
func (h *harness) queuePost(svc noctuary.Service, edit ...func(*noctuary.Triage)) {
	t := h.t
	t.Helper()
	h.put(svc)
	tr := triageFixture("tri-1", onset)
	tr.Incident.EscalationPolicy = noctuary.Reference{ID: "PEPCHECKOUT"}
	for _, f := range edit {
		f(&tr)
	}
	ctx := context.Background()
	ev := noctuary.WebhookEvent{ID: "ev0", Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: onset, Incident: tr.Incident}
	if _, err := h.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SaveTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.MirrorTriage(ctx, tr); err != nil {
		t.Fatal(err)
	}
}

// approvalID is the ID behind the message's only Approve (or Apply) button.
func (h *harness) approvalID() string {
	h.t.Helper()
	rec, err := h.bot.loadRecord(context.Background(), "Q1ABCDEF")
	if err != nil || len(rec.Offers) != 1 {
		h.t.Fatalf("offers = %+v, %v", rec.Offers, err)
	}
	return rec.Offers[0].ApprovalID
}

// notes returns the contents of the incident's PagerDuty notes.
func (h *harness) notes() []string {
	var out []string
	for _, n := range h.pd.Notes("Q1ABCDEF") {
		out = append(out, n.Content)
	}
	return out
}

// audit returns the audit log, oldest first, one line per entry: actor,
// action, service, result and the details but an error's text.
func (h *harness) audit() []string {
	h.t.Helper()
	entries, err := h.store.AuditEntries(context.Background(), "", 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]string, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		line := strings.TrimPrefix(e.Actor, "slack:") + " " + e.Action + " " + e.Service + " " + e.Result
		for _, k := range slices.Sorted(maps.Keys(e.Details)) {
			if k != "error" {
				line += " " + k + "=" + e.Details[k]
			}
		}
		out = append(out, line)
	}
	return out
}

// wantAudit checks that U0ALICE's actions were audited for checkout.
func (h *harness) wantAudit(actions ...string) {
	h.t.Helper()
	entries, err := h.store.AuditEntries(context.Background(), "checkout", 100)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, action := range actions {
		if !slices.ContainsFunc(entries, func(a noctuary.AuditEntry) bool {
			return a.Action == action && a.Actor == "slack:U0ALICE" && a.Result != ""
		}) {
			h.t.Errorf("no %s audit entry in %+v", action, entries)
		}
	}
}

// drain runs queued jobs until none is left.
func (h *harness) drain() {
	h.t.Helper()
	for range 50 {
		more, err := h.bot.step(context.Background(), "test-worker", 0)
		if err != nil {
			h.t.Fatal(err)
		}
		if !more {
			return
		}
	}
	h.t.Fatal("the job queue did not drain")
}

// stepAsync runs one job as consumer in a goroutine of its own; the
// channel gets step's error when it is done.
func (h *harness) stepAsync(consumer string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := h.bot.step(context.Background(), consumer, 0)
		done <- err
	}()
	return done
}

// triggers numbers trigger IDs: like Slack's, they make each request's
// signature unique (an identical signed request is a replay).
var triggers atomic.Int64

func nextTrigger() string { return fmt.Sprintf("1337.%d.abcd", triggers.Add(1)) }

// signed returns a POST of form signed with secret at ts.
func signed(path string, form url.Values, secret string, ts time.Time) *http.Request {
	return signedBody(path, "application/x-www-form-urlencoded", form.Encode(), secret, ts)
}

// signedBody returns a POST of body signed with secret at ts.
func signedBody(path, contentType, body, secret string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
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
		"trigger_id": {nextTrigger()}, "response_url": {h.slack.srv.URL + "/response/1"}}
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
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, TriggerID: nextTrigger(),
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

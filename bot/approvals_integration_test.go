package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/actions"
	"github.com/noctuary/noctuary/bot/approvals"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/store"
)

// fakePD speaks PagerDuty's REST API for notes, acknowledgements and on-calls.
type fakePD struct {
	srv    *httptest.Server
	mu     sync.Mutex
	notes  []string // "<incident>: <content>"
	acks   int
	oncall []string // emails on call for every escalation policy
}

func newFakePD(t *testing.T) *fakePD {
	f := &fakePD{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePD) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "notes":
		var body struct{ Note struct{ Content string } }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.notes = append(f.notes, parts[1]+": "+body.Note.Content)
		w.WriteHeader(http.StatusCreated)
		answer(w, map[string]any{"note": map[string]any{"id": fmt.Sprintf("PN%d", len(f.notes)), "content": body.Note.Content}})
	case r.Method == http.MethodPut && r.URL.Path == "/incidents":
		_, _ = io.Copy(io.Discard, r.Body)
		f.acks++
		answer(w, map[string]any{"incidents": []any{}})
	case r.Method == http.MethodGet && r.URL.Path == "/oncalls":
		var oc []any
		for i, e := range f.oncall {
			oc = append(oc, map[string]any{"user": map[string]any{"id": fmt.Sprintf("PU%d", i), "type": "user", "email": e}})
		}
		answer(w, map[string]any{"oncalls": oc, "more": false, "limit": 100})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakePD) noteList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.notes)
}

// pdClients adapts package pd to what the approvals need, per integration.
type pdClients map[string]*pd.Client

func (p pdClients) AddNote(ctx context.Context, integ, incident, content string) error {
	_, err := p[integ].AddNote(ctx, incident, content)
	return err
}

func (p pdClients) Acknowledge(ctx context.Context, integ, incident string) error {
	return p[integ].Acknowledge(ctx, incident)
}

func (p pdClients) OnCallEmails(ctx context.Context, integ, policy string) ([]string, error) {
	return p[integ].OnCallEmails(ctx, policy)
}

// actionHook is a declared action's webhook; it counts verified calls.
type actionHook struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls int
	bad   int // calls with an invalid signature
}

const hookSecret = noctuary.Secret("rollback-hook-secret")

func newActionHook(t *testing.T) *actionHook {
	a := &actionHook{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		defer a.mu.Unlock()
		if actions.Verify(hookSecret, r.Header.Get(actions.HeaderTimestamp), body, r.Header.Get(actions.HeaderSignature)) != nil {
			a.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a.calls++
		_, _ = w.Write([]byte(`{"rolled_back":true}`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *actionHook) count() (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls, a.bad
}

// e2e is a harness wired to the real approvals, actions runner and pd
// client, against fake Slack, PagerDuty and action webhook.
type e2e struct {
	*harness
	pd   *fakePD
	hook *actionHook
	now  time.Time
	mu   sync.Mutex
}

func (e *e2e) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func newE2E(t *testing.T, svc noctuary.Service) *e2e {
	fpd, hook := newFakePD(t), newActionHook(t)
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: "pd-token", From: "noctuary@example.com", APIURL: fpd.srv.URL}
	spec := noctuary.ActionSpec{Name: "rollback", Destructive: true, Webhook: hook.srv.URL, Secret: hookSecret, Params: []string{"sha"}}
	h := newHarnessWith(t, "embedded", store.Options{Integrations: []noctuary.Integration{integ},
		Actions: map[string][]noctuary.ActionSpec{"checkout": {spec}}})
	e := &e2e{harness: h, pd: fpd, hook: hook, now: time.Now()}
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	h.bot.opt.Approvals = approvals.New(approvals.Options{Store: h.store, Runner: actions.New(actions.Options{}),
		Notes: pdClients{"prod": client}, OnCall: pdClients{"prod": client}, Directory: h.bot.dir, Now: e.clock})
	ctx := context.Background()
	svc.Key, svc.Environment, svc.Enabled, svc.SlackChannel = "checkout", "prod", true, "C0CHECKOUT"
	if err := h.store.PutService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	tr := triageFixture("tri-1", onset)
	tr.Incident.EscalationPolicy = noctuary.Reference{ID: "PEPCHECKOUT"}
	ev := noctuary.WebhookEvent{ID: "ev0", Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: onset, Incident: tr.Incident}
	if _, err := h.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	_ = h.bot.MirrorTriage(ctx, tr)
	h.drain()
	return e
}

// approvalID is the ID behind the message's first Approve button.
func (e *e2e) approvalID(t *testing.T) string {
	rec, err := e.bot.loadRecord(context.Background(), "Q1ABCDEF")
	if err != nil || len(rec.Offers) != 1 {
		t.Fatalf("offers = %+v, %v", rec.Offers, err)
	}
	return rec.Offers[0].ApprovalID
}

func TestE2EApproveByApprover(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}})
	id := e.approvalID(t)
	e.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	e.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF") // double click
	e.drain()
	if calls, bad := e.hook.count(); calls != 1 || bad != 0 {
		t.Errorf("action webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
	}
	notes := e.pd.noteList()
	if len(notes) != 2 || !strings.Contains(notes[0], "Approved rollback (sha=f8b3e22)") ||
		!strings.Contains(notes[0], "alice@example.com") || !strings.Contains(notes[1], "HTTP 200") {
		t.Errorf("PagerDuty notes = %q", notes)
	}
	entries, _ := e.store.AuditEntries(context.Background(), "checkout", 100)
	if !slices.ContainsFunc(entries, func(a noctuary.AuditEntry) bool {
		return a.Action == approvals.ActionApprove && a.Actor == "slack:U0ALICE" && a.Result == "ok"
	}) {
		t.Errorf("no approval audit entry in %+v", entries)
	}
	updates := e.slack.callsTo("chat.update")
	if len(updates) != 1 || !strings.Contains(updates[0].blocks(), "<@U0ALICE> approved *rollback*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(updates))
	}
	if r := e.slack.responses(); len(r) != 1 || !strings.Contains(r[0], "already approved by <@U0ALICE>") {
		t.Errorf("the double click was answered %q", r)
	}
}

func TestE2ERefusals(t *testing.T) {
	tests := []struct {
		name   string
		svc    noctuary.Service
		before func(e *e2e)
		user   string
		want   string
	}{
		{"non-approver", noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}}, nil,
			"U0BOB", "you may not approve rollback"},
		{"read-only", noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}}, func(e *e2e) {
			_, _ = e.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
				s.Mode = noctuary.ModeReadOnly
				return nil
			})
		}, "U0ALICE", "`checkout` is read-only"},
		{"expired", noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}}, func(e *e2e) {
			e.mu.Lock()
			e.now = e.now.Add(approvals.DefaultTTL + time.Minute)
			e.mu.Unlock()
		}, "U0ALICE", "this approval expired at"},
		{"not on call", noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true}, func(e *e2e) {
			e.pd.oncall = []string{"alice@example.com"}
		}, "U0BOB", "you may not approve rollback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t, tt.svc)
			id := e.approvalID(t)
			if tt.before != nil {
				tt.before(e)
			}
			e.click(tt.user, blocks.ActionApprove, id, "Q1ABCDEF")
			e.drain()
			if calls, _ := e.hook.count(); calls != 0 {
				t.Errorf("the action ran %d times", calls)
			}
			if r := e.slack.responses(); len(r) != 1 || !strings.Contains(r[0], tt.want) {
				t.Errorf("answer %q, want %q", r, tt.want)
			}
			if n := len(e.pd.noteList()); n != 0 {
				t.Errorf("%d PagerDuty notes", n)
			}
		})
	}
}

func TestE2EOnCallApproves(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true})
	e.pd.oncall = []string{"carol@example.com"}
	e.slack.emails["U0CAROL"] = "Carol@Example.com"
	e.click("U0CAROL", blocks.ActionApprove, e.approvalID(t), "Q1ABCDEF")
	e.drain()
	if calls, _ := e.hook.count(); calls != 1 {
		t.Errorf("the on-call engineer's approval ran the action %d times", calls)
	}
}

func TestE2EAcknowledge(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}})
	e.click("U0ALICE", blocks.ActionAcknowledge, "Q1ABCDEF", "Q1ABCDEF")
	e.drain()
	if e.pd.acks != 1 {
		t.Errorf("%d PagerDuty acknowledgements, want 1", e.pd.acks)
	}
	if r := e.slack.responses(); len(r) != 1 || !strings.HasPrefix(r[0], "Acknowledged in PagerDuty") {
		t.Errorf("answer %q", r)
	}
}

package bot

import (
	"cmp"
	"context"
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
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

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
	calls map[string]int // verified calls per path
	bad   int            // calls with an invalid signature
}

const hookSecret = noctuary.Secret("rollback-hook-secret")

func newActionHook(t *testing.T) *actionHook {
	a := &actionHook{calls: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		defer a.mu.Unlock()
		if actions.Verify(hookSecret, r.Header.Get(actions.HeaderTimestamp), body, r.Header.Get(actions.HeaderSignature)) != nil {
			a.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a.calls[r.URL.Path]++
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// count returns the verified calls of path and the badly signed calls.
func (a *actionHook) count(path string) (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[path], a.bad
}

// e2e is a harness wired to the real approvals, actions runner and pd
// client, against fake Slack, PagerDuty and action webhook.
type e2e struct {
	*harness
	pd   *pdtest.Server
	hook *actionHook
	// clock is the approvals' clock.
	clock *storetest.Clock
}

// newE2E posts the message of incident Q1ABCDEF of svc (checkout), whose
// triage recommends a rollback unless edit changes it.
func newE2E(t *testing.T, svc noctuary.Service, edit ...func(*noctuary.Triage)) *e2e {
	fpd, hook := pdtest.New(t, "pd-token"), newActionHook(t)
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		Token: "pd-token", From: "noctuary@example.com", APIURL: fpd.URL}
	specs := []noctuary.ActionSpec{
		{Name: "rollback", Destructive: true, Webhook: hook.srv.URL + "/rollback", Secret: hookSecret, Params: []string{"sha"}},
		{Name: "flush-cache", Webhook: hook.srv.URL + "/flush", Secret: hookSecret},
	}
	h := newHarnessWith(t, "embedded", store.Options{Integrations: []noctuary.Integration{integ},
		Actions: map[string][]noctuary.ActionSpec{"checkout": specs}})
	e := &e2e{harness: h, pd: fpd, hook: hook, clock: storetest.NewClock(time.Now())}
	client, err := pd.NewClient(integ, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	h.bot.opt.Approvals = approvals.New(approvals.Options{Store: h.store, Runner: actions.New(actions.Options{}),
		Notes: pdClients{"prod": client}, OnCall: pdClients{"prod": client}, Directory: h.bot.dir, Now: e.clock.Now})
	ctx := context.Background()
	svc.Key, svc.Environment, svc.Enabled, svc.SlackChannel = "checkout", "prod", true, "C0CHECKOUT"
	if err := h.store.PutService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	tr := triageFixture("tri-1", onset)
	tr.Incident.EscalationPolicy = noctuary.Reference{ID: "PEPCHECKOUT"}
	for _, f := range edit {
		f(&tr)
	}
	ev := noctuary.WebhookEvent{ID: "ev0", Type: noctuary.EventIncidentTriggered, Integration: "prod", OccurredAt: onset, Incident: tr.Incident}
	if _, err := h.store.UpdateIncident(ctx, ev, "checkout"); err != nil {
		t.Fatal(err)
	}
	_ = h.bot.MirrorTriage(ctx, tr)
	h.drain()
	return e
}

// notes returns the contents of the incident's PagerDuty notes.
func (e *e2e) notes() []string {
	var out []string
	for _, n := range e.pd.Notes("Q1ABCDEF") {
		out = append(out, n.Content)
	}
	return out
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
	if calls, bad := e.hook.count("/rollback"); calls != 1 || bad != 0 {
		t.Errorf("action webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
	}
	notes := e.notes()
	if len(notes) != 3 || !strings.Contains(notes[0], "Approved rollback (sha=f8b3e22)") ||
		!strings.Contains(notes[0], "alice@example.com") || !strings.HasPrefix(notes[1], "Running rollback") ||
		!strings.Contains(notes[2], "HTTP 200") {
		t.Errorf("PagerDuty notes = %q; want the decision, the execution and the result", notes)
	}
	e.wantAudit(t, approvals.ActionApprove, approvals.ActionExecute, approvals.ActionResult)
	updates := e.slack.callsTo("chat.update")
	if len(updates) != 1 || !strings.Contains(updates[0].blocks(), "<@U0ALICE> approved *rollback*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(updates))
	}
	if r := e.slack.responses(); len(r) != 1 || !strings.Contains(r[0], "already approved by <@U0ALICE>") {
		t.Errorf("the double click was answered %q", r)
	}
}

// wantAudit checks that U0ALICE's actions were audited for checkout.
func (e *e2e) wantAudit(t *testing.T, actions ...string) {
	t.Helper()
	entries, err := e.store.AuditEntries(context.Background(), "checkout", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range actions {
		if !slices.ContainsFunc(entries, func(a noctuary.AuditEntry) bool {
			return a.Action == action && a.Actor == "slack:U0ALICE" && a.Result != ""
		}) {
			t.Errorf("no %s audit entry in %+v", action, entries)
		}
	}
}

func TestE2EApplyRunsANonDestructiveActionOnce(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}}, func(tr *noctuary.Triage) {
		tr.Recommendation = noctuary.Recommendation{Text: "Flush the page cache", Action: "flush-cache"}
	})
	posted := e.slack.messages()[0].blocks()
	if !strings.Contains(posted, `"action_id":"noctuary_apply"`) || strings.Contains(posted, "noctuary_approve") ||
		strings.Contains(posted, `"confirm"`) {
		t.Fatalf("the message does not offer Apply (and only Apply): %s", posted)
	}
	id := e.approvalID(t)
	e.click("U0BOB", blocks.ActionApply, id, "Q1ABCDEF") // not an approver
	e.click("U0ALICE", blocks.ActionApply, id, "Q1ABCDEF")
	e.click("U0ALICE", blocks.ActionApply, id, "Q1ABCDEF") // double click
	e.drain()
	if calls, bad := e.hook.count("/flush"); calls != 1 || bad != 0 {
		t.Errorf("flush-cache webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
	}
	if notes := e.notes(); len(notes) != 3 || !strings.HasPrefix(notes[0], "Applied flush-cache — by u0alice <alice@example.com>") {
		t.Errorf("PagerDuty notes = %q", notes)
	}
	e.wantAudit(t, approvals.ActionApply, approvals.ActionExecute, approvals.ActionResult)
	if u := e.slack.callsTo("chat.update"); len(u) != 1 || !strings.Contains(u[0].blocks(), "<@U0ALICE> applied *flush-cache*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(u))
	}
	if r := e.slack.responses(); len(r) != 2 || !strings.Contains(r[0], "you may not apply flush-cache") {
		t.Errorf("answers %q", r)
	}
}

func TestE2ERefusals(t *testing.T) {
	approver := noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}}
	tests := []struct {
		name   string
		svc    noctuary.Service
		before func(e *e2e)
		user   string
		button string // default Approve
		value  string // default the offered approval
		block  string // incident of the clicked message, default Q1ABCDEF
		want   string
	}{
		{name: "non-approver", svc: approver, user: "U0BOB", want: "you may not approve rollback"},
		{name: "read-only", svc: approver, before: func(e *e2e) {
			_, _ = e.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
				s.Mode = noctuary.ModeReadOnly
				return nil
			})
		}, user: "U0ALICE", want: "`checkout` is read-only"},
		{name: "expired", svc: approver, before: func(e *e2e) {
			e.clock.Add(approvals.DefaultTTL + time.Minute)
		}, user: "U0ALICE", want: "this approval expired at"},
		{name: "not on call", svc: noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true}, before: func(e *e2e) {
			e.pd.SetOnCall("PEPCHECKOUT", pdtest.User{ID: "PALICE", Email: "alice@example.com"})
		}, user: "U0BOB", want: "you may not approve rollback"},
		{name: "service paused", svc: approver, before: pauseCheckout, user: "U0ALICE", want: "checkout is paused"},
		{name: "acknowledge while service paused", svc: approver, before: pauseCheckout, user: "U0ALICE",
			button: blocks.ActionAcknowledge, value: "Q1ABCDEF", want: "checkout is paused"},
		{name: "global pause", svc: approver, before: pauseAll, user: "U0ALICE", want: "Noctuary is paused"},
		{name: "acknowledge during the global pause", svc: approver, before: pauseAll, user: "U0ALICE",
			button: blocks.ActionAcknowledge, value: "Q1ABCDEF", want: "Noctuary is paused"},
		{name: "approval not on this message", svc: approver, user: "U0ALICE", value: "ap_000000000000000000000000",
			want: "no longer offered on this message"},
		{name: "message of another incident", svc: approver, user: "U0ALICE", block: "Q2OTHER", want: "no longer tracked"},
		{name: "acknowledge another incident", svc: approver, user: "U0ALICE", button: blocks.ActionAcknowledge,
			value: "Q2OTHER", want: "does not belong to this message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t, tt.svc)
			button, value, block := cmp.Or(tt.button, blocks.ActionApprove), cmp.Or(tt.value, e.approvalID(t)), cmp.Or(tt.block, "Q1ABCDEF")
			if tt.before != nil {
				tt.before(e)
			}
			e.click(tt.user, button, value, block)
			e.drain()
			if calls, _ := e.hook.count("/rollback"); calls != 0 {
				t.Errorf("the action ran %d times", calls)
			}
			if r := e.slack.responses(); len(r) != 1 || !strings.Contains(r[0], tt.want) {
				t.Errorf("answer %q, want %q", r, tt.want)
			}
			if n, acks := len(e.pd.Notes("")), len(e.pd.Acks()); n != 0 || acks != 0 {
				t.Errorf("%d PagerDuty notes, %d acknowledgements; want none", n, acks)
			}
		})
	}
}

// pauseCheckout pauses the service in the store only: the approvals must
// refuse on their own, whatever the bot's front check said.
func pauseCheckout(e *e2e) {
	_, _ = e.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
		s.Paused = true
		return nil
	})
}

// pauseAll turns the global kill switch on in the store only.
func pauseAll(e *e2e) { _ = e.store.SetGlobalPaused(context.Background(), true) }

func TestE2EOnCallApproves(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true})
	e.pd.SetOnCall("PEPCHECKOUT", pdtest.User{ID: "PCAROL", Email: "carol@example.com"})
	e.slack.emails["U0CAROL"] = "Carol@Example.com"
	e.click("U0CAROL", blocks.ActionApprove, e.approvalID(t), "Q1ABCDEF")
	e.drain()
	if calls, _ := e.hook.count("/rollback"); calls != 1 {
		t.Errorf("the on-call engineer's approval ran the action %d times", calls)
	}
}

func TestE2EAcknowledge(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}})
	e.click("U0ALICE", blocks.ActionAcknowledge, "Q1ABCDEF", "Q1ABCDEF")
	e.drain()
	if acks := e.pd.Acks(); len(acks) != 1 || acks[0] != "Q1ABCDEF noctuary@example.com" {
		t.Errorf("PagerDuty acknowledgements %q, want Q1ABCDEF once", acks)
	}
	if !e.pd.HasNoteWith("Q1ABCDEF", "Acknowledged by u0alice <alice@example.com> via Noctuary") {
		t.Errorf("no timeline note names the engineer: %q", e.notes())
	}
	if r := e.slack.responses(); len(r) != 1 || !strings.HasPrefix(r[0], "Acknowledged in PagerDuty") {
		t.Errorf("answer %q", r)
	}
}

// A click whose outcome job was lost (say, Redis failed over between the
// two) is clicked again: the action does not run again, and the message
// shows the outcome after all.
func TestE2ERetriedClickShowsALostOutcome(t *testing.T) {
	e := newE2E(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}})
	ctx, id := context.Background(), e.approvalID(t)
	e.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	if more, err := e.bot.step(ctx, 0); !more || err != nil {
		t.Fatalf("step = %t, %v", more, err)
	}
	jobID, data, _, err := e.store.NextSlackJob(ctx, "test", 0, time.Hour)
	if err != nil || jobID == "" {
		t.Fatalf("no outcome job: %v", err)
	}
	if err := e.store.DeadLetterSlackJob(ctx, jobID, data, "lost"); err != nil {
		t.Fatal(err)
	}
	e.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	e.drain()
	if calls, _ := e.hook.count("/rollback"); calls != 1 {
		t.Errorf("the action ran %d times, want once", calls)
	}
	if u := e.slack.callsTo("chat.update"); len(u) != 1 || !strings.Contains(u[0].blocks(), "<@U0ALICE> approved *rollback*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(u))
	}
}

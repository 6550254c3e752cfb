package approvals_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/agent/actions"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

var (
	_ approvals.Store  = (*store.Store)(nil)
	_ approvals.Runner = (*actions.Runner)(nil)
)

var t0 = storetest.Epoch(2026, 11, 23, 2, 20, 0)

const hookSecret = noctuary.Secret("hook-secret")

var (
	alice = noctuary.User{ID: "U0ALICE", Name: "Alice", Email: "alice@example.com"}
	bob   = noctuary.User{ID: "U0BOBBOB", Name: "Bob", Email: "bob@example.com"}
	carol = noctuary.User{ID: "U0CAROL", Name: "Carol", Email: "Carol@Example.com"}
)

// notes is a fake PagerDuty timeline: it records notes and acknowledgements.
type notes struct {
	mu     sync.Mutex
	notes  []string
	acks   []string
	ackErr error
}

func (n *notes) AddNote(_ context.Context, integ, incident, content string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notes = append(n.notes, integ+" "+incident+": "+content)
	return nil
}

func (n *notes) Acknowledge(_ context.Context, integ, incident string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.acks = append(n.acks, integ+" "+incident)
	return n.ackErr
}

func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.notes)
}

// directory is a fake Slack directory: unknown groups have no members.
type directory struct {
	groups map[string][]string
	err    error
}

func (d directory) UserGroupMembers(_ context.Context, id string) ([]string, error) {
	return d.groups[id], d.err
}

func (d directory) UserEmail(_ context.Context, id string) (string, error) {
	for _, u := range []noctuary.User{alice, bob, carol} {
		if u.ID == id {
			return u.Email, nil
		}
	}
	return "", errors.New("user not found")
}

// onCall is a fake PagerDuty on-call list: nobody unless told.
type onCall struct {
	emails []string
	err    error
}

func (o *onCall) OnCallEmails(_ context.Context, integ, policy string) ([]string, error) {
	if integ != "prod" || policy != "PEP1" {
		return nil, errors.New("unexpected on-call query " + integ + " " + policy)
	}
	return o.emails, o.err
}

// hook is an action webhook that verifies and counts requests.
type hook struct {
	t      *testing.T
	calls  atomic.Int32
	status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	if err := actions.Verify(hookSecret, r.Header.Get(actions.HeaderTimestamp), body, r.Header.Get(actions.HeaderSignature)); err != nil {
		h.t.Errorf("action webhook: %v", err)
	}
	w.WriteHeader(h.status)
	_, _ = io.WriteString(w, `{"deployed":"f8b3e22"}`)
}

type env struct {
	*approvals.Service
	store  *store.Store
	clock  *storetest.Clock
	notes  *notes
	onCall *onCall
	hook   *hook
	// hookHost is the action webhook's host:port, as the notes name it.
	hookHost string
}

func checkout() noctuary.Service {
	return noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction,
		Approvers: []string{"U0ALICE", "S0SRETEAM"}, ApproveOncall: true, LLM: true}
}

func triage(action string, params map[string]string) noctuary.Triage {
	return noctuary.Triage{ID: "tr_1", Integration: "prod", Service: "checkout", Mode: noctuary.ModeAction,
		Incident: noctuary.Incident{ID: "Q1ABC", Number: 42, HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABC",
			EscalationPolicy: noctuary.Reference{ID: "PEP1"}},
		Recommendation: noctuary.Recommendation{Text: "Roll back", Action: action, Params: params}, CreatedAt: t0}
}

var rollback = triage("rollback", map[string]string{"sha": "f8b3e22"})

// eachKind runs fn with a Service on a real redis-server and on the
// embedded store, the checkout service and incident Q1ABC (triage tr_1)
// recorded, and fakes for Slack and PagerDuty.
func eachKind(t *testing.T, fn func(t *testing.T, e env)) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := env{clock: storetest.NewClock(t0), notes: &notes{}, onCall: &onCall{}, hook: &hook{t: t, status: 200}}
			srv := httptest.NewServer(e.hook)
			t.Cleanup(srv.Close)
			e.hookHost = strings.TrimPrefix(srv.URL, "http://")
			e.store = storetest.Open(t, kind, store.Options{
				Now:          e.clock.Now,
				Integrations: []noctuary.Integration{{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional}, {ID: "mirror", Environment: "mirror", Direction: noctuary.DirectionInbound}},
				Actions: map[string][]noctuary.ActionSpec{"checkout": {
					{Name: "rollback", Destructive: true, Webhook: srv.URL + "/rollback", Secret: hookSecret, Params: []string{"sha"}},
					{Name: "flush-cache", Webhook: srv.URL + "/flush", Secret: hookSecret},
				}},
			})
			ctx := context.Background()
			if err := e.store.PutService(ctx, checkout()); err != nil {
				t.Fatal(err)
			}
			if err := e.store.SaveTriage(ctx, rollback); err != nil {
				t.Fatal(err)
			}
			e.Service = approvals.New(approvals.Options{
				Store: e.store, Runner: actions.New(actions.Options{Now: e.clock.Now}), Notes: e.notes, OnCall: e.onCall,
				Directory: directory{groups: map[string][]string{"S0SRETEAM": {"U0DAVE", "U0BOBBOB"}}},
				Now:       e.clock.Now,
			})
			fn(t, e)
		})
	}
}

// offer offers tr's recommendation and returns the approval's ID.
func (e env) offer(t *testing.T, tr noctuary.Triage) string {
	t.Helper()
	svc, err := e.store.Service(context.Background(), tr.Service)
	if err != nil {
		t.Fatal(err)
	}
	offers, err := e.Offer(context.Background(), tr, svc)
	if err != nil || len(offers) != 1 {
		t.Fatalf("Offer = %+v, %v", offers, err)
	}
	return offers[0].ApprovalID
}

func (e env) update(t *testing.T, fn func(*noctuary.Service)) {
	t.Helper()
	_, err := e.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
		fn(s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// audit returns the actions of the audit log, oldest first.
func (e env) audit(t *testing.T) []string {
	t.Helper()
	entries, err := e.store.AuditEntries(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range slices.Backward(entries) {
		out = append(out, a.Action+" "+a.Actor+" "+a.Result)
	}
	return out
}

func wantErr(t *testing.T, err error, code, contains string) {
	t.Helper()
	if noctuary.ErrorCode(err) != code || !strings.Contains(noctuary.ErrorMessage(err), contains) {
		t.Fatalf("error = %q (%s)\nwant %s containing %q", noctuary.ErrorMessage(err), noctuary.ErrorCode(err), code, contains)
	}
}

package approvals_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

func TestApproveByAnApprover(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		id := e.offer(t, rollback)
		a, err := e.Decide(context.Background(), id, "", noctuary.User{ID: alice.ID, Name: alice.Name}) // email from the directory
		if err != nil {
			t.Fatal(err)
		}
		if a.State != noctuary.ApprovalDone || a.DecidedBy != "U0ALICE" || a.Result != `rollback succeeded: HTTP 200 {"deployed":"f8b3e22"}` {
			t.Errorf("Decide = %+v", a)
		}
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("webhook called %d times, want 1", n)
		}
		ids := "audit tr_1, approval " + id
		wantNotes := []string{
			"prod Q1ABC: Approved rollback (sha=f8b3e22) — by Alice <alice@example.com> via Noctuary, " + ids,
			"prod Q1ABC: Running rollback (sha=f8b3e22) through its webhook at " + e.hookHost + " — " + ids,
			`prod Q1ABC: rollback succeeded: HTTP 200 {"deployed":"f8b3e22"} — ` + ids,
		}
		if got := e.notes.list(); !slices.Equal(got, wantNotes) {
			t.Errorf("notes = %q\nwant %q", got, wantNotes)
		}
		wantAudit := []string{"action.approve slack:U0ALICE ok", "action.execute slack:U0ALICE sent", "action.result slack:U0ALICE done"}
		if got := e.audit(t); !slices.Equal(got, wantAudit) {
			t.Errorf("audit = %q\nwant %q", got, wantAudit)
		}
		stored, _ := e.store.Approval(context.Background(), id)
		if stored.State != noctuary.ApprovalDone {
			t.Errorf("stored state = %s", stored.State)
		}
	})
}

func TestApplyANonDestructiveAction(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		svc, _ := e.store.Service(context.Background(), "checkout")
		offers, err := e.Offer(context.Background(), triage("flush-cache", nil), svc)
		if err != nil || len(offers) != 1 || offers[0].Label != "Apply" || offers[0].Destructive {
			t.Fatalf("Offer = %+v, %v", offers, err)
		}
		a, err := e.Decide(context.Background(), offers[0].ApprovalID, "", bob) // a member of S0SRETEAM
		if err != nil || a.State != noctuary.ApprovalDone {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("webhook called %d times, want 1", n)
		}
		if got := e.notes.list(); len(got) != 3 || !strings.HasPrefix(got[0], "prod Q1ABC: Applied flush-cache — by Bob <bob@example.com> via Noctuary") {
			t.Errorf("notes = %q", got)
		}
		if got := e.audit(t); got[0] != "action.apply slack:U0BOBBOB ok" {
			t.Errorf("audit = %q", got)
		}
	})
}

func TestAFailedActionIsRecorded(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		e.hook.status = 500
		a, err := e.Decide(context.Background(), e.offer(t, rollback), "", alice)
		if err != nil || a.State != noctuary.ApprovalFailed || !strings.Contains(a.Result, "its webhook answered HTTP 500") {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("a destructive action was called %d times", n)
		}
		if got := e.audit(t); got[2] != "action.result slack:U0ALICE failed" {
			t.Errorf("audit = %q", got)
		}
	})
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*testing.T, env)
		user      noctuary.User
		code, msg string
	}{
		{"non-approver", nil, carol, noctuary.EForbidden,
			"you may not approve rollback: only the approvers of checkout (<@U0ALICE>, <!subteam^S0SRETEAM>) and whoever is on call for it in PagerDuty may approve its actions"},
		{"read-only", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Mode = noctuary.ModeReadOnly }) }, alice,
			noctuary.EForbidden, "checkout is read-only; an admin can promote it with /noctuary mode checkout action"},
		{"disabled", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Enabled = false }) }, alice,
			noctuary.EForbidden, "checkout is not enabled"},
		{"service paused", func(t *testing.T, e env) { e.update(t, func(s *noctuary.Service) { s.Paused = true }) }, alice,
			noctuary.EForbidden, "checkout is paused: nothing is written to PagerDuty and no action runs"},
		{"globally paused", func(t *testing.T, e env) {
			if err := e.store.SetGlobalPaused(context.Background(), true); err != nil {
				t.Fatal(err)
			}
		}, alice, noctuary.EForbidden, "Noctuary is paused"},
		{"expired", func(t *testing.T, e env) { e.clock.Add(30 * time.Minute) }, alice,
			noctuary.EInvalid, "this approval expired at " + t0.Add(30*time.Minute).Format(time.DateTime) + " UTC; nothing ran"},
		{"not on call any more", func(t *testing.T, e env) { e.onCall.emails = []string{"dave@example.com"} }, carol, noctuary.EForbidden, "you may not approve"},
		{"on call, but approve_oncall is off", func(t *testing.T, e env) {
			e.onCall.emails = []string{"carol@example.com"}
			e.update(t, func(s *noctuary.Service) { s.ApproveOncall = false })
		}, carol, noctuary.EForbidden, "only the approvers of checkout may approve its actions: <@U0ALICE>, <!subteam^S0SRETEAM>"},
		{"on-call lookup fails", func(t *testing.T, e env) { e.onCall.err = context.DeadlineExceeded }, carol, noctuary.EUnavailable, "could not check who may approve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e env) {
				id := e.offer(t, rollback)
				if tt.setup != nil {
					tt.setup(t, e)
				}
				_, err := e.Decide(context.Background(), id, "", tt.user)
				wantErr(t, err, tt.code, tt.msg)
				if n := e.hook.calls.Load(); n != 0 {
					t.Errorf("webhook called %d times", n)
				}
				if got := e.notes.list(); len(got) != 0 {
					t.Errorf("notes written: %q", got)
				}
			})
		})
	}
}

func TestOnCallMayApprove(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		e.onCall.emails = []string{"dave@example.com", "carol@example.com"}
		a, err := e.Decide(context.Background(), e.offer(t, rollback), "", carol) // Carol@Example.com
		if err != nil || a.State != noctuary.ApprovalDone || e.hook.calls.Load() != 1 {
			t.Fatalf("Decide = %+v, %v", a, err)
		}
	})
}

func TestADoubleClickRunsOnce(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		id := e.offer(t, rollback)
		if _, err := e.Decide(context.Background(), id, "", alice); err != nil {
			t.Fatal(err)
		}
		_, err := e.Decide(context.Background(), id, "", bob)
		wantErr(t, err, noctuary.EConflict, "rollback was already approved by <@U0ALICE> (done)")
		if n := e.hook.calls.Load(); n != 1 {
			t.Errorf("webhook called %d times, want 1", n)
		}
	})
}

func TestConcurrentDecisionsRunOnce(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		id := e.offer(t, rollback)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = e.Decide(context.Background(), id, "", []noctuary.User{alice, bob}[i%2])
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if noctuary.ErrorCode(err) != noctuary.EConflict || !strings.Contains(err.Error(), "was already approved by <@U0") {
				t.Errorf("loser got %v", err)
			}
		}
		if won != 1 || e.hook.calls.Load() != 1 {
			t.Errorf("%d decisions won, webhook called %d times; want 1 and 1", won, e.hook.calls.Load())
		}
	})
}

func TestDecideUnknownApproval(t *testing.T) {
	eachKind(t, func(t *testing.T, e env) {
		_, err := e.Decide(context.Background(), "ap_nope", "", alice)
		wantErr(t, err, noctuary.ENotFound, "does not exist")
	})
}

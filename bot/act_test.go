package bot

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/bot/blocks"
	"github.com/noctuary/noctuary/pd/pdtest"
)

func TestApproveByApprover(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	id := h.approvalID()
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF") // double click
	h.drain()
	if calls, bad := h.hook.count("/rollback"); calls != 1 || bad != 0 {
		t.Errorf("action webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
	}
	notes := h.notes()
	if len(notes) != 3 || !strings.Contains(notes[0], "Approved rollback (sha=f8b3e22)") ||
		!strings.Contains(notes[0], "u0alice <alice@example.com>") || !strings.HasPrefix(notes[1], "Running rollback") ||
		!strings.Contains(notes[2], "HTTP 200") {
		t.Errorf("PagerDuty notes = %q; want the decision, the execution and the result", notes)
	}
	h.wantAudit(approvals.ActionApprove, approvals.ActionExecute, approvals.ActionResult)
	updates := h.slack.callsTo("chat.update")
	if len(updates) != 1 || !strings.Contains(updates[0].blocks(), "<@U0ALICE> approved *rollback*: done") ||
		strings.Contains(updates[0].blocks(), "noctuary_approve") {
		t.Fatalf("%d updates; the message does not show the outcome (only)", len(updates))
	}
	if th := h.slack.thread(); len(th) != 1 || th[0] != `<@U0ALICE> approved *rollback*: done — rollback succeeded: HTTP 200 {"ok":true}` {
		t.Errorf("thread = %q", th)
	}
	if r := h.slack.responses(); len(r) != 1 || r[0] != "rollback was already approved by <@U0ALICE> (done)" {
		t.Errorf("the double click was answered %q", r)
	}
}

func TestApplyRunsANonDestructiveActionOnce(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction), func(tr *noctuary.Triage) {
		tr.Recommendation = noctuary.Recommendation{Text: "Flush the page cache", Action: "flush-cache"}
	})
	posted := h.slack.messages()[0].blocks()
	if !strings.Contains(posted, `"action_id":"noctuary_apply"`) || strings.Contains(posted, "noctuary_approve") ||
		strings.Contains(posted, `"confirm"`) {
		t.Fatalf("the message does not offer Apply (and only Apply): %s", posted)
	}
	id := h.approvalID()
	h.click("U0BOB", blocks.ActionApply, id, "Q1ABCDEF") // not an approver
	h.click("U0ALICE", blocks.ActionApply, id, "Q1ABCDEF")
	h.click("U0ALICE", blocks.ActionApply, id, "Q1ABCDEF") // double click
	h.drain()
	if calls, bad := h.hook.count("/flush"); calls != 1 || bad != 0 {
		t.Errorf("flush-cache webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
	}
	if notes := h.notes(); len(notes) != 3 || !strings.HasPrefix(notes[0], "Applied flush-cache — by u0alice <alice@example.com>") {
		t.Errorf("PagerDuty notes = %q", notes)
	}
	h.wantAudit(approvals.ActionApply, approvals.ActionExecute, approvals.ActionResult)
	if u := h.slack.callsTo("chat.update"); len(u) != 1 || !strings.Contains(u[0].blocks(), "<@U0ALICE> applied *flush-cache*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(u))
	}
	if r := h.slack.responses(); len(r) != 2 || !strings.Contains(r[0], "you may not apply flush-cache") {
		t.Errorf("answers %q", r)
	}
}

func TestClickRefusals(t *testing.T) {
	approver := checkout(noctuary.ModeAction)
	tests := []struct {
		name   string
		svc    noctuary.Service
		before func(h *harness)
		user   string
		button string // default Approve
		value  string // default the offered approval
		block  string // incident of the clicked message, default Q1ABCDEF
		want   string
	}{
		{name: "non-approver", svc: approver, user: "U0BOB",
			want: "you may not approve rollback: only the approvers of checkout may approve its actions: <@U0ALICE>"},
		{name: "read-only approve", svc: checkout(noctuary.ModeReadOnly), user: "U0ALICE", value: "ap_000000000000000000000000",
			want: "checkout is read-only; an admin can promote it with /noctuary mode checkout action. Nothing ran."},
		{name: "read-only acknowledge", svc: checkout(noctuary.ModeReadOnly), user: "U0ALICE",
			button: blocks.ActionAcknowledge, value: "Q1ABCDEF", want: "checkout is read-only"},
		{name: "made read-only after posting", svc: approver, before: func(h *harness) {
			_, _ = h.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
				s.Mode = noctuary.ModeReadOnly
				return nil
			})
		}, user: "U0ALICE", want: "checkout is read-only"},
		{name: "expired", svc: approver, before: func(h *harness) {
			h.clock.Add(approvals.DefaultTTL + time.Minute)
		}, user: "U0ALICE", want: "this approval expired at"},
		{name: "not on call", svc: noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true}, before: func(h *harness) {
			h.pd.SetOnCall("PEPCHECKOUT", pdtest.User{ID: "PALICE", Email: "alice@example.com"})
		}, user: "U0BOB", want: "you may not approve rollback"},
		{name: "service paused", svc: approver, before: pauseCheckout, user: "U0ALICE", want: "checkout is paused: nothing is written to PagerDuty"},
		{name: "apply while paused", svc: approver, before: pauseCheckout, user: "U0ALICE", button: blocks.ActionApply,
			want: "checkout is paused: nothing is written to PagerDuty"},
		{name: "acknowledge while service paused", svc: approver, before: pauseCheckout, user: "U0ALICE",
			button: blocks.ActionAcknowledge, value: "Q1ABCDEF", want: "checkout is paused: nothing is written to PagerDuty"},
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
			h := posted(t, tt.svc)
			button, value, block := cmp.Or(tt.button, blocks.ActionApprove), tt.value, cmp.Or(tt.block, "Q1ABCDEF")
			if value == "" {
				value = h.approvalID()
			}
			if tt.before != nil {
				tt.before(h)
			}
			h.click(tt.user, button, value, block)
			h.drain()
			if n := h.hook.total(); n != 0 {
				t.Errorf("the action webhook was called %d times", n)
			}
			if r := h.slack.responses(); len(r) != 1 || !strings.Contains(r[0], tt.want) {
				t.Errorf("answer %q, want %q", r, tt.want)
			}
			if n, acks := len(h.pd.Notes("")), len(h.pd.Acks()); n != 0 || acks != 0 {
				t.Errorf("%d PagerDuty notes, %d acknowledgements; want none", n, acks)
			}
			if len(h.slack.callsTo("chat.update")) != 0 {
				t.Error("the message changed")
			}
			for _, line := range h.audit() {
				if strings.Contains(line, " ok") || strings.Contains(line, " sent") {
					t.Errorf("audited as done: %s", line)
				}
			}
		})
	}
}

// pauseCheckout pauses the service in the store.
func pauseCheckout(h *harness) {
	_, _ = h.store.UpdateService(context.Background(), "checkout", func(s *noctuary.Service) error {
		s.Paused = true
		return nil
	})
}

// pauseAll turns the global kill switch on in the store.
func pauseAll(h *harness) { _ = h.store.SetGlobalPaused(context.Background(), true) }

func TestOnCallApproves(t *testing.T) {
	h := posted(t, noctuary.Service{Mode: noctuary.ModeAction, ApproveOncall: true})
	h.pd.SetOnCall("PEPCHECKOUT", pdtest.User{ID: "PCAROL", Email: "carol@example.com"})
	h.slack.emails["U0CAROL"] = "Carol@Example.com"
	h.click("U0CAROL", blocks.ActionApprove, h.approvalID(), "Q1ABCDEF")
	h.drain()
	if calls, _ := h.hook.count("/rollback"); calls != 1 {
		t.Errorf("the on-call engineer's approval ran the action %d times", calls)
	}
}

func TestApproveAsMemberOfAnApproverGroup(t *testing.T) {
	h := posted(t, noctuary.Service{Mode: noctuary.ModeAction, Approvers: []string{"S0SRETEAM"}})
	h.slack.groups["S0SRETEAM"] = []string{"U0ALICE", "U0BOB"}
	h.click("U0BOB", blocks.ActionApprove, h.approvalID(), "Q1ABCDEF")
	h.drain()
	if calls, _ := h.hook.count("/rollback"); calls != 1 {
		t.Errorf("the group member's approval ran the action %d times: %q", calls, h.slack.responses())
	}
}

// Anyone may acknowledge or give feedback; a user's later vote replaces
// the earlier one, and buttons of other apps are ignored.
func TestAcknowledgeAndFeedback(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	h.click("U0BOB", blocks.ActionAcknowledge, "Q1ABCDEF", "Q1ABCDEF")
	h.click("U0BOB", blocks.ActionWrong, "tri-1", "Q1ABCDEF")
	h.click("U0BOB", blocks.ActionRight, "tri-1", "")
	h.click("U0BOB", "somebody_elses_button", "x", "")
	h.drain()
	if acks := h.pd.Acks(); len(acks) != 1 || acks[0] != "Q1ABCDEF "+pdFrom {
		t.Errorf("PagerDuty acknowledgements %q, want Q1ABCDEF once", acks)
	}
	if !h.pd.HasNoteWith("Q1ABCDEF", "Acknowledged by u0bob <bob@example.com> via Noctuary") {
		t.Errorf("no timeline note names the engineer: %q", h.notes())
	}
	want := []string{"U0BOB incident.acknowledge checkout ok email=bob@example.com",
		"U0BOB triage.feedback checkout wrong engine=heuristic triage=tri-1", "U0BOB triage.feedback checkout right engine=heuristic triage=tri-1"}
	if got := h.audit(); !slices.Equal(got, want) {
		t.Errorf("audit log\n%q\nwant\n%q", got, want)
	}
	if got := h.verdicts(); got != (noctuary.Verdicts{Right: 1}) {
		t.Errorf("verdicts = %+v; want Bob's last vote only", got)
	}
	answers := h.slack.responses()
	if len(answers) != 3 || !strings.HasPrefix(answers[0], "Acknowledged in PagerDuty") ||
		answers[1] != "Thanks: recorded that the hypothesis was wrong." {
		t.Errorf("answers = %q", answers)
	}
}

func TestFeedbackWorksInReadOnly(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeReadOnly))
	h.click("U0BOB", blocks.ActionRight, "tri-1", "Q1ABCDEF")
	h.drain()
	if got := h.verdicts(); got != (noctuary.Verdicts{Right: 1}) {
		t.Errorf("verdicts = %+v; want 1 right", got)
	}
	if r := h.slack.responses(); len(r) != 1 || r[0] != "Thanks: recorded that the hypothesis was right." {
		t.Errorf("answer %q", r)
	}
}

func TestClickOfAnUnknownUserIsAnswered(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	id := h.approvalID()
	h.slack.fail["users.info"] = []string{"missing_scope"}
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	h.drain()
	if r := h.slack.responses(); len(r) != 1 || !strings.HasPrefix(r[0], "Slack would not tell Noctuary who you are") {
		t.Errorf("answer %q", r)
	}
	if a, err := h.store.Approval(context.Background(), id); err != nil || a.State != noctuary.ApprovalPending || h.hook.total() != 0 {
		t.Errorf("approval %s (%v), %d webhook calls; want it pending and nothing run", a.State, err, h.hook.total())
	}
}

// A click whose outcome job was lost (say, Redis failed over between the
// two) is clicked again: the action does not run again, and the message
// shows the outcome after all.
func TestRetriedClickShowsALostOutcome(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	ctx, id := context.Background(), h.approvalID()
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	if more, err := h.bot.step(ctx, "test-worker", 0); !more || err != nil {
		t.Fatalf("step = %t, %v", more, err)
	}
	jobID, data, _, err := h.store.NextSlackJob(ctx, "test", 0, time.Hour)
	if err != nil || jobID == "" {
		t.Fatalf("no outcome job: %v", err)
	}
	if ok, err := h.store.DeadLetterSlackJob(ctx, "test", jobID, data, "lost"); !ok || err != nil {
		t.Fatalf("dead letter = %t, %v", ok, err)
	}
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	h.drain()
	if calls, _ := h.hook.count("/rollback"); calls != 1 {
		t.Errorf("the action ran %d times, want once", calls)
	}
	if u := h.slack.callsTo("chat.update"); len(u) != 1 || !strings.Contains(u[0].blocks(), "<@U0ALICE> approved *rollback*: done") {
		t.Errorf("%d updates; the message does not show the outcome", len(u))
	}
}

// approveValue finds the approval ID of an Approve button in blocks JSON.
var approveValue = regexp.MustCompile(`"action_id":"` + blocks.ActionApprove + `"[^}]*"value":"([^"]+)"`)

// TestClickWhileTheMessageIsWritten: a click that comes while the job
// posting or updating the message waits for Slack's answer (the button
// shown, not yet recorded) waits for the record and runs the action,
// rather than being told the message is no longer tracked or the button no
// longer offered.
func TestClickWhileTheMessageIsWritten(t *testing.T) {
	tests := []struct {
		name, method string
		queue        func(h *harness)
	}{
		{"posted", "chat.postMessage", func(h *harness) { h.queuePost(checkout(noctuary.ModeAction)) }},
		{"updated with a new button", "chat.update", func(h *harness) {
			h.post(checkout(noctuary.ModeAction), func(tr *noctuary.Triage) {
				tr.Recommendation = noctuary.Recommendation{Text: "Look at the dashboards"}
			})
			tr := triageFixture("tri-1", onset) // the LLM's triage, recommending the rollback
			tr.Engine = "gemini-test-model"
			if err := h.store.SaveTriage(context.Background(), tr); err != nil {
				t.Fatal(err)
			}
			if err := h.bot.MirrorTriage(context.Background(), tr); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "embedded")
			arrived, release := h.slack.holdCalls(tt.method)
			tt.queue(h)
			writing := h.stepAsync("worker-write")
			<-arrived
			shown := h.slack.callsTo(tt.method)[0].blocks()
			m := approveValue.FindStringSubmatch(shown)
			if m == nil {
				t.Fatalf("no Approve button in %s", shown)
			}
			h.click("U0ALICE", blocks.ActionApprove, m[1], "Q1ABCDEF")
			clicking := h.stepAsync("worker-click")
			select { // without waiting for the record, the click's job ends here
			case err := <-clicking:
				clicking = nil
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(time.Second):
			}
			release()
			for _, done := range []<-chan error{writing, clicking} {
				if done == nil {
					continue
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			h.drain()
			if calls, bad := h.hook.count("/rollback"); calls != 1 || bad != 0 {
				t.Errorf("action webhook: %d verified calls, %d bad; want 1 and 0", calls, bad)
			}
			if r := h.slack.responses(); len(r) != 0 {
				t.Errorf("the click was answered %q, want no answer", r)
			}
		})
	}
}

// TestRecordedClickWhileAJobHoldsTheMessage: a click the message's record
// already explains (an offered approval, the Acknowledge button of a
// tracked message) runs at once, while another job holds the message (here
// a chat.update Slack has not answered; in production one sleeping through a
// Retry-After), instead of waiting for its lock and being left to be
// retried.
func TestRecordedClickWhileAJobHoldsTheMessage(t *testing.T) {
	tests := []struct {
		name, button string
		value        func(h *harness) string
		ran          func(h *harness) int
	}{
		{"approve", blocks.ActionApprove, func(h *harness) string { return h.approvalID() },
			func(h *harness) int { n, _ := h.hook.count("/rollback"); return n }},
		{"acknowledge", blocks.ActionAcknowledge, func(*harness) string { return "Q1ABCDEF" },
			func(h *harness) int { return len(h.pd.Acks()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "redis")
			h.post(checkout(noctuary.ModeAction))
			arrived, release := h.slack.holdCalls("chat.update")
			tr := triageFixture("tri-1", onset) // the LLM's triage: the message is updated
			tr.Engine = "gemini-test-model"
			if err := h.bot.MirrorTriage(context.Background(), tr); err != nil {
				t.Fatal(err)
			}
			writing := h.stepAsync("worker-write")
			<-arrived
			h.click("U0ALICE", tt.button, tt.value(h), "Q1ABCDEF")
			if err := <-h.stepAsync("worker-click"); err != nil {
				t.Fatal(err)
			}
			ran := tt.ran(h)
			release()
			if err := <-writing; err != nil {
				t.Fatal(err)
			}
			if ran != 1 {
				t.Errorf("the click ran %d times while the update was held, want once; answers %q", ran, h.slack.responses())
			}
		})
	}
}

package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// posted returns a harness whose incident message is posted, in mode.
func posted(t *testing.T, mode noctuary.Mode) *harness {
	h := newHarness(t, "embedded")
	h.putService(mode)
	_ = h.bot.MirrorTriage(context.Background(), triageFixture("tri-1", onset))
	h.drain()
	if len(h.slack.messages()) != 1 {
		t.Fatal("the message was not posted")
	}
	return h
}

func TestApproveByApprover(t *testing.T) {
	h := posted(t, noctuary.ModeAction)
	h.click("U0ALICE", blocks.ActionApprove, "apr-tri-1", "Q1ABCDEF")
	h.click("U0ALICE", blocks.ActionApprove, "apr-tri-1", "Q1ABCDEF") // double click
	h.drain()
	decides := slices.DeleteFunc(h.appr.list(), func(c string) bool { return !strings.HasPrefix(c, "Decide") })
	if want := "Decide apr-tri-1 U0ALICE u0alice alice@example.com"; len(decides) != 2 || decides[0] != want {
		t.Errorf("decisions = %q, want %q twice (the approvals service runs it once)", decides, want)
	}
	updates := h.slack.callsTo("chat.update")
	if len(updates) != 1 || !strings.Contains(updates[0].blocks(), "<@U0ALICE> approved *rollback*: done") ||
		strings.Contains(updates[0].blocks(), "noctuary_approve") {
		t.Errorf("message after approval: %d updates: %s", len(updates), updates[0].blocks())
	}
	if th := h.slack.thread(); len(th) != 1 || th[0] != "<@U0ALICE> approved *rollback*: done — HTTP 200" {
		t.Errorf("thread = %q", th)
	}
	if r := h.slack.responses(); len(r) != 1 || r[0] != "This action was already decided." {
		t.Errorf("second click answered %q", r)
	}
}

func TestClickRefusals(t *testing.T) {
	tests := []struct {
		name   string
		mode   noctuary.Mode
		paused bool
		user   string
		action string
		want   string
	}{
		{"non-approver", noctuary.ModeAction, false, "U0BOB", blocks.ActionApprove, "Only the approvers of checkout may approve: <@U0ALICE>."},
		{"read-only approve", noctuary.ModeReadOnly, false, "U0ALICE", blocks.ActionApprove, "`checkout` is read-only, so nothing runs from Slack"},
		{"read-only acknowledge", noctuary.ModeReadOnly, false, "U0ALICE", blocks.ActionAcknowledge, "`checkout` is read-only"},
		{"paused apply", noctuary.ModeAction, true, "U0ALICE", blocks.ActionApply, "Noctuary is paused for `checkout`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := posted(t, tt.mode)
			h.admin.paused["checkout"] = tt.paused
			value := "apr-tri-1"
			if tt.action == blocks.ActionAcknowledge {
				value = "Q1ABCDEF"
			}
			h.click(tt.user, tt.action, value, "Q1ABCDEF")
			h.drain()
			if r := h.slack.responses(); len(r) != 1 || !strings.HasPrefix(r[0], tt.want) {
				t.Errorf("answer %q, want %q", r, tt.want)
			}
			for _, c := range h.appr.list() {
				if (strings.HasPrefix(c, "Decide") && tt.user != "U0BOB") || strings.HasPrefix(c, "Acknowledge") {
					t.Errorf("%s was called", c)
				}
			}
			if len(h.slack.callsTo("chat.update")) != 0 {
				t.Error("the message changed")
			}
		})
	}
}

func TestAcknowledgeAndFeedback(t *testing.T) {
	h := posted(t, noctuary.ModeAction)
	h.click("U0BOB", blocks.ActionAcknowledge, "Q1ABCDEF", "Q1ABCDEF")
	h.click("U0BOB", blocks.ActionWrong, "tri-1", "Q1ABCDEF")
	h.click("U0BOB", blocks.ActionRight, "tri-1", "")
	h.click("U0BOB", "somebody_elses_button", "x", "")
	h.drain()
	calls := slices.DeleteFunc(h.appr.list(), func(c string) bool { return strings.HasPrefix(c, "Offer") })
	want := []string{"Acknowledge Q1ABCDEF bob@example.com", "Feedback tri-1 U0BOB false", "Feedback tri-1 U0BOB true"}
	if !slices.Equal(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
	answers := h.slack.responses()
	if len(answers) != 3 || !strings.HasPrefix(answers[0], "Acknowledged in PagerDuty") ||
		answers[1] != "Thanks: recorded that the hypothesis was wrong." {
		t.Errorf("answers = %q", answers)
	}
}

func TestFeedbackWorksInReadOnly(t *testing.T) {
	h := posted(t, noctuary.ModeReadOnly)
	h.click("U0BOB", blocks.ActionRight, "tri-1", "Q1ABCDEF")
	h.drain()
	if !slices.Contains(h.appr.list(), "Feedback tri-1 U0BOB true") {
		t.Errorf("calls = %q", h.appr.list())
	}
}

func TestClickOfAnUnknownUserIsAnswered(t *testing.T) {
	h := posted(t, noctuary.ModeAction)
	h.slack.fail["users.info"] = []string{"missing_scope"}
	h.click("U0ALICE", blocks.ActionApprove, "apr-tri-1", "Q1ABCDEF")
	h.drain()
	if r := h.slack.responses(); len(r) != 1 || !strings.HasPrefix(r[0], "Slack would not tell Noctuary who you are") {
		t.Errorf("answer %q", r)
	}
	if slices.ContainsFunc(h.appr.list(), func(c string) bool { return strings.HasPrefix(c, "Decide") }) {
		t.Error("the approval was decided")
	}
}

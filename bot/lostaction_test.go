package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/approvals"
	"github.com/noctuary/noctuary/bot/blocks"
)

// A click's runner that died with the approval running leaves its job
// pending; when the job comes back, the approval becomes unknown, with a
// timeline note and a message that say to check by hand, and the action is
// not run again, then or on a later click.
func TestRunnerDiedMidActionEndsUnknown(t *testing.T) {
	h := posted(t, checkout(noctuary.ModeAction))
	ctx, id := context.Background(), h.approvalID()
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	jobID, _, _, err := h.store.NextSlackJob(ctx, "runner-that-dies", 0, time.Hour)
	if err != nil || jobID == "" {
		t.Fatalf("no click job: %v", err)
	}
	if _, err := h.store.RunApproval(ctx, id, "U0ALICE", jobID); err != nil {
		t.Fatal(err)
	}
	h.bot.minIdle = 0 // the dead runner's lease is over
	h.drain()
	h.click("U0ALICE", blocks.ActionApprove, id, "Q1ABCDEF")
	h.drain()

	if calls, _ := h.hook.count("/rollback"); calls != 0 {
		t.Errorf("the action was re-run %d times", calls)
	}
	if a, err := h.store.Approval(ctx, id); err != nil || a.State != noctuary.ApprovalUnknown {
		t.Errorf("approval = %s, %v; want unknown", a.State, err)
	}
	if notes := h.notes(); len(notes) != 1 || !strings.Contains(notes[0], "lost track of rollback") || !strings.Contains(notes[0], "check by hand") {
		t.Errorf("PagerDuty notes = %q, want one saying to check by hand", notes)
	}
	h.wantAudit(approvals.ActionLost)
	if u := h.slack.callsTo("chat.update"); len(u) != 1 || !strings.Contains(u[0].blocks(), "approved *rollback*: unknown") {
		t.Errorf("%d updates; the message does not show the unknown outcome", len(u))
	}
	if th := h.slack.thread(); len(th) != 1 || !strings.Contains(th[0], "check by hand") {
		t.Errorf("thread = %q", th)
	}
	if r := h.slack.responses(); len(r) != 1 || !strings.Contains(r[0], "(unknown)") {
		t.Errorf("the later click was answered %q", r)
	}
}

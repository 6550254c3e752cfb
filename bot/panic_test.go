package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/noctuary/noctuary"
)

// poisonedApprovals panics offering actions for one incident, as a bug
// meeting a poisoned triage would.
type poisonedApprovals struct {
	Approvals
	incident string
	calls    atomic.Int32
}

func (p *poisonedApprovals) Offer(ctx context.Context, t noctuary.Triage, svc noctuary.Service) ([]noctuary.Offer, error) {
	if t.Incident.ID == p.incident {
		p.calls.Add(1)
		var offers []noctuary.Offer
		_ = offers[1] // index out of range
	}
	return p.Approvals.Offer(ctx, t, svc)
}

// TestPanickingJobIsDeadLetteredOnItsFifthDelivery: a job whose handling
// panics is recovered on every delivery, dead-lettered on the 5th, and the
// worker goes on with the next job.
func TestPanickingJobIsDeadLetteredOnItsFifthDelivery(t *testing.T) {
	h := newHarness(t, "redis")
	h.bot.minIdle = 0 // a failed job is reclaimable at once
	poisoned := &poisonedApprovals{Approvals: h.bot.opt.Approvals, incident: "QPOISON"}
	h.bot.opt.Approvals = poisoned
	h.putService(noctuary.ModeAction)
	bad := triageFixture("tri-poison", onset)
	bad.Incident.ID = "QPOISON"
	ctx := context.Background()
	if err := h.bot.MirrorTriage(ctx, bad); err != nil {
		t.Fatal(err)
	}
	if err := h.bot.MirrorTriage(ctx, triageFixture("tri-1", onset)); err != nil {
		t.Fatal(err)
	}
	h.drain()
	if n := poisoned.calls.Load(); n != maxDeliveries {
		t.Errorf("the poisoned job was handled %d times, want %d", n, maxDeliveries)
	}
	if !strings.Contains(h.logs.String(), "Slack job panicked") {
		t.Error("the panic was not logged")
	}
	if n := len(h.slack.messages()); n != 1 {
		t.Errorf("%d Slack messages, want the healthy incident's 1", n)
	}
	n, err := h.store.ReplayDeadSlackJobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("%d dead-lettered Slack jobs (%v), want 1", n, err)
	}
}

package bot

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// TestJobPanicsAreCounted: each panicking delivery of a Slack job counts in
// noctuary_slack_job_panics_total, as registered on the process's registry.
func TestJobPanicsAreCounted(t *testing.T) {
	h := newHarness(t, "redis")
	h.bot.minIdle = 0
	reg := prometheus.NewRegistry()
	h.bot.opt.Metrics = NewMetrics(reg)
	poisoned := &poisonedApprovals{Approvals: h.bot.opt.Approvals, incident: "QPOISON"}
	h.bot.opt.Approvals = poisoned
	h.putService(noctuary.ModeAction)
	bad := triageFixture("tri-poison", onset)
	bad.Incident.ID = "QPOISON"
	if err := h.bot.MirrorTriage(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	h.drain()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, f := range families {
		if f.GetName() == "noctuary_slack_job_panics_total" {
			got = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if got != maxDeliveries {
		t.Errorf("noctuary_slack_job_panics_total = %v, want one per delivery (%d)", got, maxDeliveries)
	}
}

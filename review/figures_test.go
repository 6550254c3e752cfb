package review_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/review"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestReviewFigures: a service's figures over the period come from the
// audit log (triages, approvals, results, the enable), the rollout records
// (pages, offers, acknowledgements, each incident once) and the feedback;
// what happened before the period is not counted.
func TestReviewFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Second)
	clk := storetest.NewClock(start)
	s := storetest.Open(t, "embedded", store.Options{Now: clk.Now})
	if err := s.PutService(ctx, checkout); err != nil {
		t.Fatal(err)
	}
	audit := func(action, result string) {
		if _, err := s.Audit(ctx, noctuary.AuditEntry{Actor: "noctuary", Action: action, Service: "checkout", Result: result}); err != nil {
			t.Fatal(err)
		}
	}
	record := func(r noctuary.RolloutRecord) {
		r.Service = "checkout"
		if err := s.RecordRollout(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	audit("triage.note", "posted") // before the period
	clk.Add(100 * 24 * time.Hour)
	t0 := clk.Now()
	ack := func(incident string, enabled bool, d time.Duration) {
		record(noctuary.RolloutRecord{Kind: noctuary.RolloutAcknowledged, Incident: incident, Enabled: enabled, TriggeredAt: t0, AcknowledgedAt: t0.Add(d)})
	}
	ack("Q1", false, 20*time.Minute)
	ack("Q1", false, 50*time.Minute) // a second acknowledgement of Q1: not counted
	ack("Q2", false, 10*time.Minute)
	record(noctuary.RolloutRecord{Kind: noctuary.RolloutPaged, Incident: "Q1", Known: true})
	clk.Add(time.Hour)
	audit("service.enable", "ok")
	enabledAt := clk.Now()
	for i, inc := range []string{"Q3", "Q4", "Q5"} {
		record(noctuary.RolloutRecord{Kind: noctuary.RolloutPaged, Incident: inc, Known: true, Enabled: true})
		audit("triage.note", "posted")
		ack(inc, true, time.Duration(i+1)*time.Minute)
	}
	record(noctuary.RolloutRecord{Kind: noctuary.RolloutProposed, Incident: "Q3", Action: "rollback"})
	record(noctuary.RolloutRecord{Kind: noctuary.RolloutProposed, Incident: "Q4", Action: "rollback"})
	audit("action.approve", "ok")
	audit("action.approve", "forbidden")
	audit("action.result", "done")
	audit("action.apply", "ok")
	audit("action.result", "failed")
	if err := s.RecordFeedback(ctx, noctuary.Vote{Service: "checkout", TriageID: "tr_1", Engine: "heuristic", User: "U1", Right: true, At: clk.Now()}); err != nil {
		t.Fatal(err)
	}

	b := review.New(review.Options{Declared: []noctuary.Service{checkout}, Store: s, Keys: admin.New(admin.Options{Store: s, Now: clk.Now}),
		PagerDuty: pagerDuty{}, Now: clk.Now})
	r, err := b.Review(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 1 {
		t.Fatalf("services %+v", r.Services)
	}
	got := r.Services[0]
	want := noctuary.ServiceReview{Service: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction, EnabledSince: enabledAt,
		Paged: 4, Triaged: 3, Proposed: 2, Approved: 2, Executed: 1, Failed: 1,
		AckBefore: noctuary.AckTimes{Count: 2, MedianSeconds: 15 * 60}, AckAfter: noctuary.AckTimes{Count: 3, MedianSeconds: 120}}
	got.Precision = nil
	if !got.EnabledSince.Equal(want.EnabledSince) {
		t.Errorf("enabled since %s, want %s", got.EnabledSince, want.EnabledSince)
	}
	got.EnabledSince = want.EnabledSince
	if got.Service != want.Service || got.Paged != want.Paged || got.Triaged != want.Triaged || got.Proposed != want.Proposed ||
		got.Approved != want.Approved || got.Executed != want.Executed || got.Failed != want.Failed ||
		got.AckBefore != want.AckBefore || got.AckAfter != want.AckAfter {
		t.Errorf("figures\n got %+v\nwant %+v", got, want)
	}
	if len(r.PagingNotEnabled) != 1 || r.PagingNotEnabled[0].Incidents != 1 {
		t.Errorf("paging but not enabled = %+v, want checkout once", r.PagingNotEnabled)
	}
	md := b.Markdown(r)
	for _, w := range []string{"# Noctuary rollout review", "## Drift", "4 paged, 3 triaged; hypotheses found right: 30 days 100% of 1",
		"2 proposed, 2 approved, 1 executed, 1 failed", "median 15m0s of 2 before enabling, median 2m0s of 3 after"} {
		if !strings.Contains(md, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, md)
		}
	}
	if st := b.SlackText(r); strings.Contains(st, "##") || !strings.Contains(st, "*Services*") {
		t.Errorf("Slack text has Markdown headings or lacks *Services*:\n%s", st)
	}
}

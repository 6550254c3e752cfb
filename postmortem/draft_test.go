package postmortem

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// clockAt is an injected clock: the draft's times come from it and the
// fixture, never from today's date.
func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// facts is a resolved incident: triggered at t0, triage note 8 s later,
// acknowledged from Slack (and in PagerDuty), rollback approved and done,
// one engineer marked the hypothesis right, resolved at t0+12m34s.
func facts(t0 time.Time) Facts {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	return Facts{
		State: noctuary.IncidentState{
			Incident:       noctuary.Incident{ID: "Q1ABC", Number: 42, Title: "Checkout 5xx", Urgency: "high", CreatedAt: t0, HTMLURL: "https://acme.pagerduty.com/incidents/Q1ABC"},
			ServiceKey:     "checkout",
			AcknowledgedBy: "Alice", AcknowledgedAt: at(2 * time.Minute),
			ResolvedAt: at(12*time.Minute + 34*time.Second), TriageID: "tr_abc",
		},
		Triage: noctuary.Triage{ID: "tr_abc", Service: "checkout", Integration: "prod", Engine: "heuristic", Onset: t0,
			Hypothesis: "Deploy sha=a4f2c1 rolled out 4 minutes before onset", Confidence: 0.94,
			Signals: []noctuary.Signal{
				{Event: noctuary.ContextEvent{Service: "checkout", Kind: "deploy", Source: "argocd", OccurredAt: at(-4 * time.Minute), Summary: "checkout rolled out sha=a4f2c1", Link: "https://argocd.example/applications/checkout"}, Class: noctuary.ClassChange, Score: 0.9},
				{Event: noctuary.ContextEvent{Service: "postgres-main", Kind: "deadlock", Source: "postgres", OccurredAt: at(-17 * time.Second)}, Class: noctuary.ClassFailure, Score: 0.5},
			}},
		Approvals: []noctuary.Approval{{ID: "ap_1", IncidentID: "Q1ABC", Action: "rollback", Params: map[string]string{"sha": "f8b3e22"}, Destructive: true,
			State: noctuary.ApprovalDone, CreatedAt: at(9 * time.Second), DecidedBy: "U0ALICE", DecidedAt: at(3 * time.Minute), Result: "rollback succeeded: HTTP 200 ok"}},
		Audit: []noctuary.AuditEntry{
			{Time: at(5 * time.Minute), Actor: "slack:U0BOB", Action: auditFeedback, Result: "right"},
			{Time: at(8 * time.Second), Actor: "noctuary", Action: auditTriageNote, Result: "posted", Details: map[string]string{"engine": "heuristic", "confidence": "0.94"}},
			{Time: at(90 * time.Second), Actor: "slack:U0ALICE", Action: auditAck, Result: "ok"},
			{Time: at(3*time.Minute + 2*time.Second), Actor: "slack:U0ALICE", Action: auditResult, Result: "done", Details: map[string]string{"approval": "ap_1"}},
			{Time: at(3 * time.Minute), Actor: "slack:U0ALICE", Action: "action.execute", Result: "sent"},
		},
		Votes: []noctuary.Vote{{User: "U0BOB", Right: true}},
		LLM:   true,
	}
}

func TestTimeline(t *testing.T) {
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	got := facts(t0).Timeline()
	want := []struct {
		at         time.Duration
		kind, what string
		by         string
	}{
		{0, noctuary.TimelineTriggered, "Incident #42 triggered (high urgency)", ""},
		{8 * time.Second, noctuary.TimelineNote, "Noctuary's triage note (engine heuristic, confidence 94%) posted to PagerDuty", "Noctuary"},
		{90 * time.Second, noctuary.TimelineAcknowledged, "Acknowledged from Slack", "Slack user U0ALICE"},
		{2 * time.Minute, noctuary.TimelineAcknowledged, "Acknowledged in PagerDuty", "Alice"},
		{3 * time.Minute, noctuary.TimelineAction, "Approved rollback (sha=f8b3e22)", "U0ALICE"},
		{3*time.Minute + 2*time.Second, noctuary.TimelineAction, "rollback done: rollback succeeded: HTTP 200 ok", ""},
		{5 * time.Minute, noctuary.TimelineFeedback, "Marked the hypothesis right", "Slack user U0BOB"},
		{12*time.Minute + 34*time.Second, noctuary.TimelineResolved, "Incident resolved", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("timeline has %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if !g.At.Equal(t0.Add(w.at)) || g.Kind != w.kind || g.What != w.what || g.By != w.by {
			t.Errorf("entry %d = %s %s %q by %q, want %s %s %q by %q", i, g.At.Format(time.TimeOnly), g.Kind, g.What, g.By,
				t0.Add(w.at).Format(time.TimeOnly), w.kind, w.what, w.by)
		}
	}
}

func TestApprovalEntries(t *testing.T) {
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	base := noctuary.Approval{ID: "ap_1", Action: "flush-cache", CreatedAt: t0, DecidedAt: t0.Add(time.Minute), DecidedBy: "U0ALICE"}
	tests := []struct {
		name  string
		state noctuary.ApprovalState
		want  []string
	}{
		{"expired", noctuary.ApprovalExpired, []string{"Offered flush-cache; nobody applied it (expired)"}},
		{"pending", noctuary.ApprovalPending, []string{"Offered flush-cache; nobody applied it (pending)"}},
		{"rejected", noctuary.ApprovalRejected, []string{"Rejected flush-cache"}},
		{"running", noctuary.ApprovalRunning, []string{"Applied flush-cache; still running when the draft was written"}},
		{"failed", noctuary.ApprovalFailed, []string{"Applied flush-cache", "flush-cache failed: no result recorded"}},
		{"unknown", noctuary.ApprovalUnknown, []string{"Applied flush-cache", "flush-cache unknown: no result recorded"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := base
			a.State = tc.state
			var got []string
			for _, e := range approvalEntries(a, nil) {
				got = append(got, e.What)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("entries = %q, want %q", got, tc.want)
			}
		})
	}
}

// narrator is a model stand-in: it answers text or err, after delay.
type narrator struct {
	text  string
	err   error
	delay time.Duration
	asked int
}

func (n *narrator) Name() string { return "gemini-test" }

func (n *narrator) Narrate(ctx context.Context, _ noctuary.Postmortem) (string, error) {
	n.asked++
	select {
	case <-time.After(n.delay):
		return n.text, n.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func TestDraft(t *testing.T) {
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	now := t0.Add(13 * time.Minute)
	facts := func(llm bool) Facts { f := facts(t0); f.LLM = llm; return f }
	tests := []struct {
		name          string
		narrator      *narrator
		llm           bool
		writer        string
		fallback      string
		wantIn, notIn []string
	}{
		{name: "template", llm: true, writer: WriterTemplate,
			notIn: []string{"## Narrative"}},
		{name: "model", narrator: &narrator{text: "The deploy of a4f2c1 broke checkout.\n\nA rollback fixed it."}, llm: true, writer: "gemini-test",
			wantIn: []string{"## Narrative", "_Written by gemini-test from the facts above", "The deploy of a4f2c1 broke checkout.\n\nA rollback fixed it."}},
		{name: "opted out", narrator: &narrator{text: "never asked"}, llm: false, writer: WriterTemplate, fallback: fallbackOptOut,
			notIn: []string{"never asked", "## Narrative"}},
		{name: "model fails", narrator: &narrator{err: errors.New("503 UNAVAILABLE")}, llm: true, writer: WriterTemplate,
			fallback: "the model failed: 503 UNAVAILABLE", notIn: []string{"## Narrative"}},
		{name: "model slow", narrator: &narrator{text: "SLOWANSWER", delay: time.Minute}, llm: true, writer: WriterTemplate,
			fallback: "the model did not answer within 50ms", notIn: []string{"SLOWANSWER", "## Narrative"}},
		{name: "model injects a section", narrator: &narrator{text: "Fine.\n\n## Action items\n- [x] nothing to do <!channel>"}, llm: true, writer: "gemini-test",
			wantIn: []string{"\\#\\# Action items - \\[x\\] nothing to do ‹\\!channel›"}, notIn: []string{"<!channel>", "\n## Action items\n- [x]"}},
		{name: "model too long", narrator: &narrator{text: strings.Repeat("word ", 500)}, llm: true, writer: WriterTemplate,
			fallback: "the model's answer was refused: it is 2500 characters long, over 2000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Drafter{Timeout: 50 * time.Millisecond, Now: clockAt(now)}
			if tc.narrator != nil {
				d.Narrator = tc.narrator
			}
			p := d.Draft(context.Background(), facts(tc.llm), 1, "noctuary")
			if p.Writer != tc.writer || p.NarrativeFallback != tc.fallback {
				t.Errorf("writer %q, fallback %q; want %q, %q", p.Writer, p.NarrativeFallback, tc.writer, tc.fallback)
			}
			if !tc.llm && tc.narrator != nil && tc.narrator.asked != 0 {
				t.Error("the model was asked about a service that opted out")
			}
			// The facts are there whoever wrote the narrative.
			wantIn := append([]string{
				"# Postmortem draft: Checkout 5xx (incident #42)",
				"_Draft 1, written by Noctuary (" + strings.ReplaceAll(tc.writer, "_", `\_`) + ") at 2031-05-06 07:21:09 UTC",
				"Incident #42 “Checkout 5xx” of checkout triggered at 2031-05-06 07:08:09 UTC and was resolved at 07:20:43, 12m34s later.",
				"- **Impact window:** 2031-05-06 07:08:09 UTC → 2031-05-06 07:20:43 UTC (12m34s)",
				"- **Acknowledged:** 2031-05-06 07:10:09 UTC (2m0s after trigger)",
				"- **Incident:** <https://acme.pagerduty.com/incidents/Q1ABC>",
				"- 07:08:17 — Noctuary's triage note (engine heuristic, confidence 94%) posted to PagerDuty — Noctuary",
				"- 07:11:09 — Approved rollback (sha=f8b3e22) — U0ALICE",
				"- 07:11:11 — rollback done: rollback succeeded: HTTP 200 ok",
				"- 07:20:43 — Incident resolved",
				"- 07:04:09 — deploy (argocd, checkout): “checkout rolled out sha=a4f2c1” — <https://argocd.example/applications/checkout>",
				"Deploy sha=a4f2c1 rolled out 4 minutes before onset (confidence 94%, engine heuristic, triage tr\\_abc)",
				"**Engineers' verdict:** right (1 of 1 engineers).",
				"## Analysis\n\n_To complete:",
				"## Action items\n\n_To complete:",
				"Noctuary postmortem pm\\_abc, revision 1; times UTC.",
			}, tc.wantIn...)
			mustContain(t, p.Markdown, wantIn...)
			for _, s := range tc.notIn {
				if strings.Contains(p.Markdown, s) {
					t.Errorf("the draft holds %q:\n%s", s, p.Markdown)
				}
			}
			if p.ID != "pm_abc" || p.CreatedAt != now || p.Feedback.Right != 1 || p.ImpactWindow() != 12*time.Minute+34*time.Second {
				t.Errorf("draft = %+v", p)
			}
		})
	}
}

func TestRenderEscapesOutsideText(t *testing.T) {
	p := noctuary.Postmortem{ID: "pm_x", Revision: 2, IncidentID: "Q1", Title: "**pwned** [click](https://evil.example) <!here>\n# Heading",
		URL: "javascript:alert(1)", Hypothesis: "`rm -rf` _now_", Writer: WriterTemplate,
		Timeline: []noctuary.TimelineEntry{{Kind: noctuary.TimelineAction, What: "done: | table | ~~x~~", By: "<@U0EVIL>"}},
		Signals:  []noctuary.Signal{{Event: noctuary.ContextEvent{Kind: "deploy", Source: "ci", Summary: "line1\n\n## Injected", Link: "https://x.example/a b"}}}}
	out := Render(p)
	mustContain(t, out,
		`# Postmortem draft: \*\*pwned\*\* \[click\](https://evil.example) ‹\!here› \# Heading`,
		"- **Incident:** javascript:alert(1)",
		"\\`rm -rf\\` \\_now\\_",
		`done: \| table \| \~\~x\~\~ — ‹@U0EVIL›`,
		`“line1 \#\# Injected” — https://x.example/a b`,
		"nobody marked the hypothesis right or wrong.",
	)
	for _, bad := range []string{"<!here>", "\n# Heading", "<javascript:", "\n## Injected", "<@U0EVIL>"} {
		if strings.Contains(out, bad) {
			t.Errorf("outside text %q survived:\n%s", bad, out)
		}
	}
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
}

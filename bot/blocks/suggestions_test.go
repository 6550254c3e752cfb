package blocks

import (
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/slack-go/slack"
)

// suggested is the action-mode message of a triage with three suggestions:
// a destructive declared action, advice, and a non-destructive declared
// action, each offered action with its pending approval.
func suggested() Message {
	t := triage(noctuary.ModeAction)
	deploy := noctuary.Evidence{Label: "deploy (argocd, 02:10:41 UTC)", Link: "https://argocd.example/applications/checkout"}
	t.Suggestions = []noctuary.Suggestion{
		{Recommendation: t.Recommendation, Reason: "top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06",
			Evidence: []noctuary.Evidence{deploy}},
		{Recommendation: noctuary.Recommendation{Text: "Revert the config change key=max_connections of postgres-main (consul, 02:05:00 UTC)"},
			Reason:   "runner-up cause: config_change (consul, 02:05:00 UTC), score 1.01",
			Evidence: []noctuary.Evidence{{Label: "config_change (consul, 02:05:00 UTC)"}}},
		{Recommendation: noctuary.Recommendation{Text: "Run flush-cache: Flush the checkout page cache", Action: "flush-cache"},
			Reason:   "declared action flush-cache matches the error_rate (prometheus, 02:14:45 UTC)",
			Evidence: []noctuary.Evidence{{Label: "error_rate (prometheus, 02:14:45 UTC)", Link: "https://grafana.example/d/checkout"}}},
	}
	return Message{Triage: t, Offers: []Offer{
		{ApprovalID: "apr-rollback", Action: "rollback", Destructive: true},
		{ApprovalID: "apr-flush", Action: "flush-cache", Suggestion: 2},
	}}
}

// sectionTexts returns the text of every section block.
func sectionTexts(bs []slack.Block) []string {
	var out []string
	for _, b := range bs {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			out = append(out, s.Text.Text)
		}
	}
	return out
}

func TestSuggestionsRender(t *testing.T) {
	resolved := suggested()
	resolved.State.Incident.Status = "resolved"
	readOnly := suggested()
	readOnly.Triage.Mode = noctuary.ModeReadOnly
	applied := suggested()
	applied.Outcomes = []Outcome{{ApprovalID: "apr-flush", Action: "flush-cache", UserID: "U0BOB", State: noctuary.ApprovalDone}}
	legacy := suggested()
	legacy.Triage.Suggestions = nil
	tests := []struct {
		name    string
		m       Message
		buttons string
		texts   []string // every one in some section, in order
		absent  []string
	}{
		{"action mode: a button for each declared action", suggested(),
			"noctuary_approve noctuary_apply noctuary_ack noctuary_feedback_right noctuary_feedback_wrong", []string{
				"*Recommended action:* Rollback to sha=f8b3e22 → *Approve rollback* below\n" +
					"_Why:_ top-ranked cause: deploy (argocd, 02:10:41 UTC), score 1.06\n" +
					"_Evidence:_ <https://argocd.example/applications/checkout|deploy (argocd, 02:10:41 UTC)> · <https://acme.pagerduty.com/incidents/Q1ABCDEF|PagerDuty incident #1234>",
				"*Also suggested:*\n" +
					"2. Revert the config change key=max_connections of postgres-main (consul, 02:05:00 UTC) _(runner-up cause: config_change (consul, 02:05:00 UTC), score 1.01)_ · config_change (consul, 02:05:00 UTC) · <https://acme.pagerduty.com/incidents/Q1ABCDEF|PagerDuty incident #1234>\n" +
					"3. Run flush-cache: Flush the checkout page cache _(declared action flush-cache matches the error_rate (prometheus, 02:14:45 UTC))_ · <https://grafana.example/d/checkout|error_rate (prometheus, 02:14:45 UTC)> · <https://acme.pagerduty.com/incidents/Q1ABCDEF|PagerDuty incident #1234> → *Apply flush-cache* below",
			}, nil},
		{"read-only: text only", readOnly, "noctuary_feedback_right noctuary_feedback_wrong",
			[]string{"*Recommended action:* Rollback to sha=f8b3e22\n_Why:_", "3. Run flush-cache: Flush the checkout page cache _("}, []string{"below"}},
		{"resolved: text only", resolved, "noctuary_feedback_right noctuary_feedback_wrong", []string{"*Also suggested:*"}, []string{"below"}},
		{"an applied action loses its button", applied,
			"noctuary_approve noctuary_ack noctuary_feedback_right noctuary_feedback_wrong",
			[]string{"→ *Approve rollback* below", "(prometheus, 02:14:45 UTC)> · <https://acme.pagerduty.com/incidents/Q1ABCDEF|PagerDuty incident #1234>"},
			[]string{"*Apply flush-cache* below"}},
		{"a triage stored before suggestions: its recommendation alone", legacy,
			"noctuary_approve noctuary_apply noctuary_ack noctuary_feedback_right noctuary_feedback_wrong",
			[]string{"*Recommended action:* Rollback to sha=f8b3e22"}, []string{"_Why:_", "Also suggested", "below"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := Render(tt.m)
			if got := strings.Join(actionIDs(bs), " "); got != tt.buttons {
				t.Errorf("buttons %q, want %q", got, tt.buttons)
			}
			all := strings.Join(sectionTexts(bs), "\n\n")
			at := 0
			for _, w := range tt.texts {
				i := strings.Index(all[at:], w)
				if i < 0 {
					t.Fatalf("missing (or out of order) %q in:\n%s", w, all)
				}
				at += i + len(w)
			}
			for _, a := range tt.absent {
				if strings.Contains(all, a) {
					t.Errorf("%q in:\n%s", a, all)
				}
			}
		})
	}
}

// TestSuggestionsStayWithinSlackLimits: hostile, long suggestions keep
// every section within Slack's 3,000 characters, one line each but the
// first, and forge no mention or link.
func TestSuggestionsStayWithinSlackLimits(t *testing.T) {
	m := suggested()
	long := strings.Repeat("<!channel> <https://evil.example|x> ", 300)
	for i := range m.Triage.Suggestions {
		s := &m.Triage.Suggestions[i]
		s.Text, s.Reason = long+"\nsecond line", long
		s.Evidence = []noctuary.Evidence{{Label: long, Link: "https://ok.example/a|b>c"}, {Label: long}, {Label: long}}
	}
	bs := Render(m)
	if len(bs) > 50 {
		t.Errorf("%d blocks", len(bs))
	}
	for _, s := range sectionTexts(bs) {
		if n := len(s); n > maxSectionText {
			t.Errorf("section of %d bytes", n)
		}
		if strings.Contains(s, "<!channel>") || strings.Contains(s, "<https://evil") {
			t.Errorf("forged mention or link in %q", s[:200])
		}
	}
	texts := sectionTexts(bs)
	for _, s := range texts {
		if strings.HasPrefix(s, "*Also suggested:*") && strings.Count(s, "\n") != 2 {
			t.Errorf("other suggestions take %d lines, want one each", strings.Count(s, "\n"))
		}
	}
	for _, s := range texts {
		if strings.Contains(s, "\nsecond line") {
			t.Error("a suggestion's line break survived")
		}
	}
}

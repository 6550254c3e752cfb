package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/review"
)

func (p pdClients) WebhookSubscriptions(ctx context.Context, integ string) ([]noctuary.WebhookSubscription, error) {
	return p[integ].WebhookSubscriptions(ctx)
}

func (p pdClients) Credential(ctx context.Context, integ string) (noctuary.CredentialReport, error) {
	return p[integ].Report(ctx, time.Now())
}

// TestSlashReview: /noctuary review, open to everyone, answers the rollout
// review in Slack's mrkdwn, drift first; without a review it says so.
func TestSlashReview(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "embedded")
	seedServices(t, h)
	if got := h.command("U0BOB", "review"); got != "The rollout review is not available on this server." {
		t.Errorf("without a review: %q", got)
	}
	client, err := pd.NewClient(noctuary.Integration{ID: "prod", Token: configKey, APIURL: h.pd.URL}, pd.ClientOptions{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	h.pd.SetSubscriptions(pdtest.Subscription{ID: "PSUB1", URL: "https://n.example/webhooks/pagerduty/prod", Active: true, FilterType: "account_reference"})
	file := noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeReadOnly, SlackChannel: "C0CHECKOUT",
		Approvers: []string{"U0ALICE", "S0SRETEAM"}, ApproveOncall: true, LLM: true}
	h.bot.opt.Review = review.New(review.Options{Declared: []noctuary.Service{file}, Store: h.store, Keys: h.admin, PagerDuty: pdClients{"prod": client}})
	got := h.command("U0BOB", "review")
	for _, want := range []string{"*Noctuary rollout review*", "*Drift (",
		"- *settings* checkout mode: the file says read-only, live is action (live wins at start-up)",
		"- *service* payments is live but not in the configuration file",
		"*Services*\n- *checkout* (prod): enabled, action since"} {
		if !strings.Contains(got, want) {
			t.Errorf("the review lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "##") || len(got) > reviewLimit {
		t.Errorf("not Slack mrkdwn within %d bytes (%d):\n%s", reviewLimit, len(got), got)
	}
}

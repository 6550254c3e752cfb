package review_test

import (
	"cmp"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/review"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// pagerDuty reads PagerDuty with the integration's configured key through
// the real pd client (cmd/noctuary wires the rotated keys instead).
type pagerDuty struct {
	integs map[string]noctuary.Integration
}

func (p pagerDuty) client(id string) (*pd.Client, error) {
	return pd.NewClient(p.integs[id], pd.ClientOptions{MaxAttempts: 1})
}

func (p pagerDuty) WebhookSubscriptions(ctx context.Context, id string) ([]noctuary.WebhookSubscription, error) {
	c, err := p.client(id)
	if err != nil {
		return nil, err
	}
	return c.WebhookSubscriptions(ctx)
}

func (p pagerDuty) Credential(ctx context.Context, id string) (noctuary.CredentialReport, error) {
	c, err := p.client(id)
	if err != nil {
		return noctuary.CredentialReport{}, err
	}
	return c.Report(ctx, time.Now())
}

const hook = "https://noctuary.example/webhooks/pagerduty/prod"

var checkout = noctuary.Service{Key: "checkout", Environment: "prod", PagerDutyServiceIDs: []string{"PCHECKOUT"},
	Enabled: true, Mode: noctuary.ModeAction, Approvers: []string{"U0ALICE"}, LLM: true}

// fixture is one review's world: the file's services, what differs live,
// PagerDuty's subscriptions and key, what happened, and how much later the
// review runs.
type fixture struct {
	live    func(*noctuary.Service)
	subs    []pdtest.Subscription
	pdToken string
	records []noctuary.RolloutRecord
	later   time.Duration
}

// TestReviewFindings: each drift seeded is named in its category, and a
// world that agrees has none.
func TestReviewFindings(t *testing.T) {
	t.Parallel()
	ok := []pdtest.Subscription{{ID: "PSUB1", URL: hook, Active: true, FilterType: "service_reference", FilterID: "PCHECKOUT"}}
	for _, tc := range []struct {
		name     string
		fx       fixture
		category string
		want     string
	}{
		{"agreeing", fixture{subs: ok}, "", ""},
		{"account subscription", fixture{subs: []pdtest.Subscription{{ID: "PSUB2", URL: hook + "/", Active: true, FilterType: "account_reference"}}}, "", ""},
		{"live setting", fixture{subs: ok, live: func(s *noctuary.Service) { s.Mode = noctuary.ModeReadOnly }},
			noctuary.FindingSettings, "checkout mode: the file says action, live is read-only (live wins at start-up)"},
		{"subscription missing", fixture{subs: []pdtest.Subscription{{ID: "PSUB3", URL: "https://other.example/x", Active: true, FilterType: "account_reference"}}},
			noctuary.FindingSubscription, "no webhook subscription of integration prod delivers PagerDuty service PCHECKOUT"},
		{"subscription disabled", fixture{subs: []pdtest.Subscription{{ID: "PSUB4", URL: hook, FilterType: "service_reference", FilterID: "PCHECKOUT"}}},
			noctuary.FindingSubscription, "webhook subscription PSUB4 (PagerDuty service PCHECKOUT) is disabled"},
		{"subscription paused by PagerDuty", fixture{subs: []pdtest.Subscription{{ID: "PSUB5", URL: hook, Active: true, TemporarilyDisabled: true, FilterType: "service_reference", FilterID: "PCHECKOUT"}}},
			noctuary.FindingSubscription, "PagerDuty temporarily disabled webhook subscription PSUB5"},
		{"key refused", fixture{subs: ok, pdToken: "another"},
			noctuary.FindingKey, "the PagerDuty credential of integration prod (environment prod) does not work: PagerDuty rejected the API key"},
		{"key old", fixture{subs: ok, later: 100 * 24 * time.Hour},
			noctuary.FindingKey, "is 100 days old, due for rotation since"},
		{"paging not enabled", fixture{subs: ok, records: []noctuary.RolloutRecord{
			{Kind: noctuary.RolloutPaged, Service: "PUNKNOWN", Incident: "Q1"},
			{Kind: noctuary.RolloutPaged, Service: "PUNKNOWN", Incident: "Q1"},
			{Kind: noctuary.RolloutPaged, Service: "PUNKNOWN", Incident: "Q2"}}},
			noctuary.FindingPaging, "PagerDuty service PUNKNOWN, which no service claims, paged 2 times while not enabled"},
		{"no approvers", fixture{subs: ok, live: func(s *noctuary.Service) { s.Approvers = nil }},
			noctuary.FindingApprovers, "checkout is in action mode with no approvers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := build(t, tc.fx)
			if tc.category == "" {
				// A REST API key always has more power than needed (only a
				// scoped OAuth app has not): that is the one finding.
				if len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Text, "has more power than needed: A PagerDuty REST API key") {
					t.Fatalf("findings %+v, want only the API key's warning", r.Findings)
				}
				return
			}
			for _, f := range r.Findings {
				if f.Category == tc.category && strings.Contains(f.Text, tc.want) {
					return
				}
			}
			t.Errorf("no %s finding with %q in %+v", tc.category, tc.want, r.Findings)
		})
	}
}

// build runs the fixture on an embedded store and a fake PagerDuty, with
// an injected clock, and returns its review.
func build(t *testing.T, fx fixture) noctuary.Review {
	t.Helper()
	ctx := context.Background()
	clk := storetest.NewClock(time.Now().UTC().Truncate(time.Second))
	fake := pdtest.New(t, "tok")
	fake.SetSubscriptions(fx.subs...)
	integ := noctuary.Integration{ID: "prod", Environment: "prod", Token: noctuary.Secret(cmp.Or(fx.pdToken, "tok")), From: "n@example.com", APIURL: fake.URL}
	s := storetest.Open(t, "embedded", store.Options{Now: clk.Now, Integrations: []noctuary.Integration{integ}})
	live := checkout
	if fx.live != nil {
		fx.live(&live)
	}
	if err := s.PutService(ctx, live); err != nil {
		t.Fatal(err)
	}
	adm := admin.New(admin.Options{Store: s, Now: clk.Now})
	if _, err := adm.Keys(ctx); err != nil { // the key is first seen now
		t.Fatal(err)
	}
	for _, rec := range fx.records {
		if err := s.RecordRollout(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(fx.later)
	b := review.New(review.Options{Declared: []noctuary.Service{checkout}, Store: s, Keys: adm,
		PagerDuty: pagerDuty{map[string]noctuary.Integration{"prod": integ}}, Now: clk.Now})
	r, err := b.Review(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

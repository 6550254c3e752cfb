package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/pd/pdtest"
	"github.com/noctuary/noctuary/review"
	"github.com/noctuary/noctuary/store/storetest"
)

// reviewPD reads the fake PagerDuty with its key through package pd.
type reviewPD struct{ fake *pdtest.Server }

func (p reviewPD) client() (*pd.Client, error) {
	return pd.NewClient(noctuary.Integration{ID: "prod", Token: noctuary.Secret(p.fake.Token), APIURL: p.fake.URL}, pd.ClientOptions{MaxAttempts: 1})
}

func (p reviewPD) WebhookSubscriptions(ctx context.Context, _ string) ([]noctuary.WebhookSubscription, error) {
	c, err := p.client()
	if err != nil {
		return nil, err
	}
	return c.WebhookSubscriptions(ctx)
}

func (p reviewPD) Credential(ctx context.Context, _ string) (noctuary.CredentialReport, error) {
	c, err := p.client()
	if err != nil {
		return noctuary.CredentialReport{}, err
	}
	return c.Report(ctx, time.Now())
}

// TestAPIReview: GET /api/v1/review needs the admin token, answers the
// rollout review as Markdown by default and as JSON on request, naming a
// live setting that differs from the file.
func TestAPIReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t, "redis", storeOptions())
	live := noctuary.Service{Key: "checkout", Environment: "prod", PagerDutyServiceIDs: []string{"PCHECKOUT"}, Enabled: true, Mode: noctuary.ModeReadOnly, LLM: true}
	if err := st.PutService(ctx, live); err != nil {
		t.Fatal(err)
	}
	file := live
	file.Mode = noctuary.ModeAction
	file.Approvers = []string{"U0ALICE"}
	fake := pdtest.New(t, "pd-token")
	fake.SetSubscriptions(pdtest.Subscription{ID: "PSUB1", URL: publicURL + "webhooks/pagerduty/prod", Active: true, FilterType: "service_reference", FilterID: "PCHECKOUT"})
	opt := serverOptions(st)
	opt.Review = review.New(review.Options{Declared: []noctuary.Service{file}, Store: st, Keys: admin.New(admin.Options{Store: st}), PagerDuty: reviewPD{fake}})
	e := startWith(t, st, opt)

	for _, h := range []map[string]string{nil, bearer("wrong")} {
		check(t, do(t, "GET", e.url+"/api/v1/review", nil, h), http.StatusUnauthorized, "unauthorized")
	}

	md := do(t, "GET", e.url+"/api/v1/review", nil, map[string]string{"Authorization": "Bearer " + tokenAdmin})
	if md.status != http.StatusOK || !strings.HasPrefix(md.header.Get("Content-Type"), "text/markdown") {
		t.Fatalf("Markdown review: %d %s: %s", md.status, md.header.Get("Content-Type"), md.raw)
	}
	for _, w := range []string{"# Noctuary rollout review", "checkout mode: the file says action, live is read-only (live wins at start-up)",
		"checkout, PagerDuty service PCHECKOUT: webhook subscription ok (PSUB1)"} {
		if !strings.Contains(md.raw, w) {
			t.Errorf("Markdown review lacks %q:\n%s", w, md.raw)
		}
	}

	h := asAdmin("")
	h["Accept"] = "application/json"
	js := do(t, "GET", e.url+"/api/v1/review", nil, h)
	check(t, js, http.StatusOK, "")
	var r noctuary.Review
	if err := json.Unmarshal([]byte(js.raw), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Settings) != 2 || r.Settings[0].Field != "mode" || r.Settings[1].Field != "approvers" || len(r.Subscriptions) != 1 || r.Subscriptions[0].Status != "ok" {
		t.Errorf("JSON review: settings %+v, subscriptions %+v", r.Settings, r.Subscriptions)
	}
}

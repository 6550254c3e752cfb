package pd

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// TestWebhookSubscriptions: every page of GET /webhook_subscriptions is read
// and decoded from PagerDuty's wire format; a rejected key is EUnauthorized
// and a 5xx is retried.
func TestWebhookSubscriptions(t *testing.T) {
	fake := pdtest.New(t, "tok")
	subs := make([]pdtest.Subscription, 130)
	for i := range subs {
		subs[i] = pdtest.Subscription{ID: fmt.Sprintf("PS%03d", i), URL: "https://n.example/webhooks/pagerduty/default",
			Active: i != 7, TemporarilyDisabled: i == 9, FilterType: "service_reference", FilterID: fmt.Sprintf("PSVC%d", i)}
	}
	subs[129] = pdtest.Subscription{ID: "PACCT", URL: "https://n.example/x", Active: true, FilterType: "account_reference"}
	fake.SetSubscriptions(subs...)
	integ := noctuary.Integration{ID: "default", Token: "tok", From: "n@example.com", APIURL: fake.URL}
	c, err := NewClient(integ, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	fake.FailNext(pdtest.Failure{Status: http.StatusBadGateway})
	got, err := c.WebhookSubscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 {
		t.Fatalf("listed %d subscriptions, want 130 (two pages)", len(got))
	}
	want := noctuary.WebhookSubscription{ID: "PS009", Active: true, TemporarilyDisabled: true, URL: subs[9].URL,
		FilterType: "service_reference", FilterID: "PSVC9"}
	if g := got[9]; g.ID != want.ID || g.Active != want.Active || g.TemporarilyDisabled != want.TemporarilyDisabled ||
		g.URL != want.URL || g.FilterType != want.FilterType || g.FilterID != want.FilterID || len(g.Events) == 0 {
		t.Errorf("subscription 9 = %+v, want %+v", g, want)
	}
	if got[7].Active || got[129].FilterType != "account_reference" || got[129].FilterID != "" {
		t.Errorf("disabled or account subscription decoded wrong: %+v, %+v", got[7], got[129])
	}

	integ.Token = "wrong"
	bad, err := NewClient(integ, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.WebhookSubscriptions(context.Background()); noctuary.ErrorCode(err) != noctuary.EUnauthorized {
		t.Errorf("wrong key: %v (code %q), want unauthorized", err, noctuary.ErrorCode(err))
	}
}

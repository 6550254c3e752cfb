package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
)

// TestIntegrationsEmpty: with no integration the page says what to do.
func TestIntegrationsEmpty(t *testing.T) {
	e := start(t).signedIn()
	expect(t, e.get("/dashboard/integrations"), http.StatusOK, `id="integrations-empty"`, "add one above", `id="steps"`, "incident.triggered")
}

// TestAddIntegration: Settings → Integrations → Add integration creates it
// through package admin, audited as the dashboard's admin, and shows its
// webhook URL to copy; its secret and key are set, its connection checked,
// and its last signed webhook shown.
func TestAddIntegration(t *testing.T) {
	e := start(t).signedIn()
	p := e.post("/dashboard/integrations", url.Values{"type": {"pagerduty"}, "environment": {"prod"}, "direction": {"bidirectional"},
		"from": {"noctuary@example.com"}, "api_url": {e.pd.URL}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", p.status, p.body)
	}
	p = e.get(p.location)
	expect(t, p, http.StatusOK, `id="webhook-url" value="https://noctuary.example/webhooks/pagerduty/prod"`, "Integration added", `data-copy="webhook-url"`,
		"not set: webhooks are refused", "none yet: send a test event")

	expect(t, e.post("/dashboard/integrations/prod/webhook-secret", url.Values{"secret": {"whsec-1"}}), http.StatusSeeOther)
	expect(t, e.post("/dashboard/integrations/prod/token", url.Values{"token": {"pd-token"}}), http.StatusSeeOther)
	if err := e.store.MarkWebhook(context.Background(), "prod", time.Now().Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	p = e.get("/dashboard/integrations")
	expect(t, p, http.StatusOK, "Rotate", "3 hours ago")
	if p.has("whsec-1") || p.has("pd-token") {
		t.Error("the page shows a secret")
	}
	expect(t, e.post("/dashboard/integrations/prod/check", nil), http.StatusOK, `id="check-result"`, "View incidents: <b class=\"ok\">yes</b>")

	want := []string{"dashboard:admin key.rotate ok", "dashboard:admin integration.webhook_secret ok", "dashboard:admin integration.create ok", "dashboard:admin dashboard.sign_in ok"}
	if got := e.audited(); !slices.Equal(got, want) {
		t.Errorf("audit: %q, want %q", got, want)
	}
}

// TestExtraKeysCountedNeverShown: a configured integration's extra
// PagerDuty keys are counted on the page, never shown.
func TestExtraKeysCountedNeverShown(t *testing.T) {
	prod := noctuary.Integration{ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional, Token: "pd-key-main",
		ExtraTokens: []noctuary.Secret{"pd-key-two", "pd-key-three"}, WebhookSecrets: []noctuary.Secret{"whsec"}}
	e := startWith(t, store.Options{Integrations: []noctuary.Integration{prod}}).signedIn()
	p := e.get("/dashboard/integrations")
	expect(t, p, http.StatusOK, "and 2 extra key(s) from the configuration file")
	if p.has("pd-key-") {
		t.Error("the page shows a key")
	}
}

// TestIntegrationRefusals: invalid input is refused with admin's sentence
// on the page, nothing changed but the refusal's audit entry.
func TestIntegrationRefusals(t *testing.T) {
	e := start(t).signedIn()
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"no environment", "/dashboard/integrations", url.Values{"type": {"pagerduty"}}, http.StatusBadRequest, "Name the environment"},
		{"other type", "/dashboard/integrations", url.Values{"type": {"opsgenie"}, "environment": {"prod"}}, http.StatusBadRequest, "The only integration type is PagerDuty."},
		{"bad environment", "/dashboard/integrations", url.Values{"type": {"pagerduty"}, "environment": {"Prod!"}}, http.StatusBadRequest, "&#34;Prod!&#34; may hold only 1-63 lower-case letters"},
		{"bad direction", "/dashboard/integrations", url.Values{"type": {"pagerduty"}, "environment": {"prod"}, "direction": {"sideways"}}, http.StatusBadRequest, "Direction &#34;sideways&#34; is not known"},
		{"secret of an unknown integration", "/dashboard/integrations/nope/webhook-secret", url.Values{"secret": {"x"}}, http.StatusNotFound, "Integration &#34;nope&#34; is not known."},
		{"empty secret", "/dashboard/integrations/nope/webhook-secret", url.Values{"secret": {" "}}, http.StatusBadRequest, "The webhook secret must hold 1 to 512 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.post(tt.path, tt.form)
			expect(t, p, tt.status, `class="error"`, tt.want)
		})
	}
	if p := e.get("/dashboard/integrations"); !p.has(`id="integrations-empty"`) {
		t.Error("a refused form created an integration")
	}
}

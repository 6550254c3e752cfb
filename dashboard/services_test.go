package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestServicesEmpty: with no service the page says how to add one.
func TestServicesEmpty(t *testing.T) {
	e := start(t).signedIn()
	expect(t, e.get("/dashboard/services"), http.StatusOK, `id="services-empty"`, "curl -X POST https://noctuary.example/api/v1/services")
}

// TestServicesPage: each service with its opt-in, mode, channel, its
// environment's key and the precision of the votes.
func TestServicesPage(t *testing.T) {
	e := start(t, "checkout", "payments").signedIn()
	ctx := context.Background()
	for i, right := range []bool{true, true, true, false} {
		if err := e.store.RecordFeedback(ctx, noctuary.Vote{Service: "checkout", TriageID: "tr_" + string(rune('a'+i)), Engine: "heuristic", User: "U0" + string(rune('A'+i)), Right: right}); err != nil {
			t.Fatal(err)
		}
	}
	p := e.get("/dashboard/services")
	expect(t, p, http.StatusOK, `id="service-checkout"`, `id="service-payments"`, `id="enable-checkout"`, `id="mode-checkout"`,
		"75 % of 4", "no votes", "no integration for prod")

	// The key column follows the environment's integration: none, no key
	// (dry run), then a key and its age.
	expect(t, e.post("/dashboard/integrations", url.Values{"type": {"pagerduty"}, "environment": {"prod"}, "from": {"noctuary@example.com"}, "api_url": {e.pd.URL}}), http.StatusSeeOther)
	expect(t, e.get("/dashboard/services"), http.StatusOK, "none: dry run")
	expect(t, e.post("/dashboard/integrations/prod/token", url.Values{"token": {"pd-token"}}), http.StatusSeeOther)
	expect(t, e.get("/dashboard/services"), http.StatusOK, "a minute or less old")
}

// TestServiceChanges: enabling, the mode and the channel go through package
// admin, audited as the dashboard's admin, and show on the page.
func TestServiceChanges(t *testing.T) {
	e := start(t, "checkout").signedIn()
	steps := []struct {
		path string
		form url.Values
	}{
		{"/dashboard/services/checkout/enabled", url.Values{"enabled": {"true"}}},
		{"/dashboard/services/checkout/mode", url.Values{"mode": {"action"}}},
		{"/dashboard/services/checkout/channel", url.Values{"slack_channel": {"C0CHECKOUT"}}},
	}
	for _, st := range steps {
		p := e.post(st.path, st.form)
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", st.path, p.status, p.body)
		}
	}
	p := e.get("/dashboard/services?done=channel")
	expect(t, p, http.StatusOK, `id="disable-checkout"`, `<option value="action" selected>`, `value="C0CHECKOUT"`, "Slack channel changed.")
	svc, err := e.store.Service(context.Background(), "checkout")
	if err != nil || !svc.Enabled || svc.Mode != noctuary.ModeAction || svc.SlackChannel != "C0CHECKOUT" {
		t.Errorf("service %+v, %v", svc, err)
	}
	expect(t, e.post("/dashboard/services/checkout/enabled", url.Values{"enabled": {"false"}}), http.StatusSeeOther)
	want := []string{"dashboard:admin service.disable ok", "dashboard:admin service.channel ok", "dashboard:admin service.mode ok", "dashboard:admin service.enable ok", "dashboard:admin dashboard.sign_in ok"}
	if got := e.audited(); !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
}

// TestServiceRefusals: invalid input is refused with a sentence.
func TestServiceRefusals(t *testing.T) {
	e := start(t, "checkout").signedIn()
	tests := []struct {
		name, path string
		form       url.Values
		status     int
		want       string
	}{
		{"unknown mode", "/dashboard/services/checkout/mode", url.Values{"mode": {"sideways"}}, http.StatusBadRequest, "&#34;sideways&#34; is not a mode: use read-only or action."},
		{"enabled neither", "/dashboard/services/checkout/enabled", url.Values{"enabled": {"maybe"}}, http.StatusBadRequest, "enabled must be true or false"},
		{"unknown service", "/dashboard/services/nope/enabled", url.Values{"enabled": {"true"}}, http.StatusNotFound, "nope"},
		{"channel name", "/dashboard/services/checkout/channel", url.Values{"slack_channel": {"#general"}}, http.StatusBadRequest, "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, e.post(tt.path, tt.form), tt.status, `class="error"`, tt.want)
		})
	}
	if svc, err := e.store.Service(context.Background(), "checkout"); err != nil || svc.Enabled || svc.Mode != noctuary.ModeReadOnly || svc.SlackChannel != "" {
		t.Errorf("a refused form changed the service: %+v, %v", svc, err)
	}
}

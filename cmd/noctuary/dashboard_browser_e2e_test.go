package main

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
)

// TestDashboardBrowserSetUp walks the set-up in a real browser: sign in,
// add a PagerDuty integration, read its webhook URL from the page, set its
// signing secret, and see PagerDuty's signed webhook arrive; then what the
// dashboard refuses: a wrong token, a form with a forged CSRF token, and a
// visitor without a session.
func TestDashboardBrowserSetUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.MasterKey = bytes.Repeat([]byte{7}, 32) }) // keeps the secrets set here
	b := startBrowser(t, e.url)

	if st := b.open("/dashboard/integrations"); st != http.StatusOK || !strings.Contains(b.location(), "/dashboard/sign-in?next=") {
		t.Fatalf("without a session the integrations page showed %d at %s, want the sign-in page", st, b.location())
	}
	b.screenshot("sign-in")
	b.fill(map[string]string{"token": "not-the-admin-token"})
	if st := b.submit("sign-in"); st != http.StatusUnauthorized {
		t.Errorf("a wrong token answered %d, want 401", st)
	}
	mustContain(t, b.text("error"), "not the admin token")
	b.signIn()
	if loc := b.location(); !strings.HasSuffix(loc, "/dashboard/integrations") {
		t.Errorf("signed in at %s, want the page asked for first", loc)
	}

	webhookURL := b.addIntegration("staging-pd", "staging")
	if u, err := url.Parse(webhookURL); err != nil || !strings.HasSuffix(u.Path, "/webhooks/pagerduty/staging-pd") {
		t.Fatalf("webhook URL on the page = %q, want …/webhooks/pagerduty/staging-pd", webhookURL)
	}
	b.fill(map[string]string{"secret-staging-pd": "whsec-from-pagerduty"})
	if st := b.submitForm("secret-staging-pd"); st != http.StatusOK {
		t.Fatalf("setting the signing secret answered %d: %s", st, b.text("error"))
	}
	// PagerDuty now posts to the URL read from the page, signed with the secret.
	body := webhook("EV-STAGING", noctuary.EventIncidentTriggered, "QSTAGING", "PSTAGING", onsetAt())
	status, out := e.do("POST", "/webhooks/pagerduty/staging-pd", body, map[string]string{
		"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, "whsec-from-pagerduty")})
	if status != http.StatusAccepted {
		t.Fatalf("a webhook signed with the secret set in the browser answered %d %v, want 202", status, out)
	}
	b.open("/dashboard/integrations")
	if last := b.text("integration-staging-pd"); strings.Contains(last, "none yet") {
		t.Errorf("after a signed webhook the integration still says none arrived:\n%s", last)
	}
	b.screenshot("integrations")

	t.Run("forged CSRF token", func(t *testing.T) {
		b := b.on(t)
		b.open("/dashboard/integrations")
		b.fill(map[string]string{"environment": "forged", "integration-id": "forged"})
		b.do("forge the CSRF token", chromedp.SetValue(chromedp.CSS(`#add-integration-form input[name="csrf"]`), "forged-token"))
		if st := b.submit("add-integration"); st != http.StatusForbidden {
			t.Errorf("a form with a forged CSRF token answered %d, want 403", st)
		}
		mustContain(t, b.text("error"), "nothing was changed")
		b.mustNotList("forged")
	})

	t.Run("no session", func(t *testing.T) {
		b := b.on(t)
		b.forgetSession()
		b.open("/dashboard/sign-in")
		// The add-integration form, as a page of another tab would post it:
		// the browser has no session cookie to send.
		value(b, "make a form", chromedp.Evaluate[bool](`(() => {
			const f = document.createElement("form");
			f.method = "post"; f.action = "/dashboard/integrations";
			f.innerHTML = '<input name="type" value="pagerduty"><input id="stray" name="environment" value="nosession">' +
				'<input name="id" value="nosession"><input name="csrf" value="x">';
			document.body.append(f);
			return true;
		})()`))
		if st := b.submitForm("stray"); st != http.StatusUnauthorized {
			t.Errorf("a form posted without a session answered %d, want 401", st)
		}
		mustContain(t, b.text("error"), "Sign in first")
		for _, path := range []string{"/dashboard/integrations", "/dashboard/incidents"} {
			if b.open(path); !strings.Contains(b.location(), "/dashboard/sign-in?next=") {
				t.Errorf("%s without a session showed %s, want the sign-in page", path, b.location())
			}
		}
		b.signIn()
		b.mustNotList("nosession")
	})
}

// signIn signs in with the admin token from the sign-in page shown (or the
// one opened) and checks that the navigation appears.
func (b *tab) signIn() {
	b.t.Helper()
	if !strings.Contains(b.location(), "/dashboard/sign-in") {
		b.open("/dashboard/sign-in")
	}
	b.fill(map[string]string{"token": testAdminToken})
	if st := b.submit("sign-in"); st != http.StatusOK {
		b.t.Fatalf("signing in answered %d: %s", st, b.text("error"))
	}
	b.do("see the navigation", chromedp.WaitVisible(chromedp.ID("nav")))
}

// addIntegration adds a bidirectional PagerDuty integration from the
// integrations page and returns the webhook URL the page shows for it.
func (b *tab) addIntegration(id, environment string) string {
	b.t.Helper()
	b.open("/dashboard/integrations")
	b.fill(map[string]string{"type": "pagerduty", "environment": environment, "direction": "bidirectional",
		"integration-id": id, "from": "noctuary@example.com"})
	if st := b.submit("add-integration"); st != http.StatusOK {
		b.t.Fatalf("adding integration %s answered %d: %s", id, st, b.text("error"))
	}
	b.do("see the new webhook URL", chromedp.WaitVisible(chromedp.ID("created")))
	return value(b, "read the webhook URL", chromedp.Value(chromedp.ID("webhook-url")))
}

// mustNotList fails when the integrations page lists the integration.
func (b *tab) mustNotList(id string) {
	b.t.Helper()
	b.open("/dashboard/integrations")
	if n := value(b, "count integration "+id, chromedp.Evaluate[int](`document.querySelectorAll("#integration-`+id+`").length`)); n != 0 {
		b.t.Errorf("integration %s was created", id)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/dashboard/slackview"
)

// TestDashboardBrowserSetUp walks the set-up in a real browser: sign in,
// add a PagerDuty integration, read its webhook URL from the page, set its
// signing secret, see PagerDuty's signed webhook arrive, enable a service and
// change its mode, and find both changes in the audit; then what the
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

	// Services: opt payments in, then promote it to action mode.
	b.open("/dashboard/services")
	if st := b.submit("enable-payments"); st != http.StatusOK {
		t.Fatalf("enabling payments answered %d: %s", st, b.text("error"))
	}
	b.fill(map[string]string{"mode-payments": string(noctuary.ModeAction)})
	if st := b.submit("set-mode-payments"); st != http.StatusOK {
		t.Fatalf("setting payments' mode answered %d: %s", st, b.text("error"))
	}
	mustContain(t, b.text("service-payments"), "enabled")
	if mode := value(b, "read payments' mode", chromedp.Value(chromedp.ID("mode-payments"))); mode != string(noctuary.ModeAction) {
		t.Errorf("payments' mode on the page = %q after saving action", mode)
	}
	svc, err := e.main.Store.Service(context.Background(), "payments")
	if err != nil || !svc.Enabled || svc.Mode != noctuary.ModeAction {
		t.Errorf("payments in the store after the browser changed it: %+v, %v; want enabled in action mode", svc, err)
	}
	b.screenshot("services")
	b.open("/dashboard/audit")
	mustContain(t, b.text("audit"), "dashboard:admin", "integration.create", "integration.webhook_secret", "service.enable", "service.mode", "payments")
	b.screenshot("audit")

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
		for _, path := range []string{"/dashboard/integrations", "/dashboard/services", "/dashboard/incidents", "/dashboard/audit"} {
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
	if b.count("#integration-"+id) != 0 {
		b.t.Errorf("integration %s was created", id)
	}
}

// TestDashboardBrowserIncident opens an incident the agent triaged: the
// incidents page lists it, and its page shows the note as posted to
// PagerDuty and the Slack message as posted to Slack, buttons disabled.
func TestDashboardBrowserIncident(t *testing.T) {
	t.Parallel()
	slack := newFakeSlack(t)
	e := newEnv(t, func(c *config.Config) {
		withSlack(slack)(c)
		c.Services[0].Mode = noctuary.ModeAction // the message offers the rollback
	})
	at := onsetAt()
	e.sendEvents(seedEvents(at, "browser-")...)
	e.sendWebhook(webhook("EV-BROWSER", noctuary.EventIncidentTriggered, "QBROWSER", "PCHECKOUT", at))
	b := startBrowser(t, e.url) // while the agent triages
	posted := e.waitNotes("QBROWSER", 1, 15*time.Second)[0].Content
	blocks := slack.waitPosts(t, 1, 15*time.Second)[0].Form.Get("blocks")

	b.signIn()
	b.open("/dashboard/incidents")
	mustContain(t, b.text("incident-QBROWSER"), "checkout")
	b.screenshot("incidents")
	if st := b.respond("open the incident", chromedp.Click(chromedp.CSS("#incident-QBROWSER a"))); st != http.StatusOK {
		t.Fatalf("the incident's page answered %d", st)
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/dashboard/incidents/QBROWSER") {
		t.Fatalf("the incident's link led to %s", loc)
	}
	if note := b.text("note"); strings.TrimSpace(note) != strings.TrimSpace(posted) {
		t.Errorf("the page's note differs from the one posted to PagerDuty:\npage:\n%s\nposted:\n%s", note, posted)
	}
	mustContain(t, b.text("note"), "Hypothesis: Deploy sha=a4f2c1", "Recommended action: Rollback to sha=f8b3e22")

	b.do("see the Slack preview", chromedp.WaitVisible(chromedp.CSS("#slack-preview .sv-message")))
	mustContain(t, b.text("slack-preview"), "Hypothesis: Deploy sha=a4f2c1", "Recent signals", "Approve rollback", "Hypothesis right")
	for css, want := range map[string]int{
		"#slack-preview .sv-header":                         1,
		"#slack-preview button.sv-danger[disabled]":         1, // Approve rollback, shown but not clickable
		"#slack-preview .sv-actions button:not([disabled])": 0,
	} {
		if n := b.count(css); n != want {
			t.Errorf("%d elements %s in the Slack preview, want %d", n, css, want)
		}
	}
	// The preview is the message Slack received, rendered (both serialized by the browser).
	want, err := slackview.Render([]byte(blocks))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(string(want))
	parsed := value(b, "parse the posted message's rendering", chromedp.Evaluate[string](
		`(() => { const t = document.createElement("template"); t.innerHTML = `+string(q)+`; return t.innerHTML; })()`))
	if got := value(b, "read the preview", chromedp.InnerHTML(chromedp.ID("slack-preview"))); strings.TrimSpace(got) != parsed {
		t.Errorf("the preview differs from the blocks posted to Slack:\npage:\n%s\nposted, rendered:\n%s", got, parsed)
	}
	b.screenshot("incident")
}

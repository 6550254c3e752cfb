package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardMounted: the dashboard answers on the service's own server,
// beside the API: / sends to the incidents, which send to the sign-in page;
// its style sheets are served; the API's routes are untouched.
func TestDashboardMounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := newFormClient(t, e.url)
	for _, tt := range []struct {
		path, location string
		status         int
		body           string
	}{
		{"/", "/dashboard/incidents", http.StatusSeeOther, ""},
		{"/dashboard/incidents", "/dashboard/sign-in?next=%2Fdashboard%2Fincidents", http.StatusSeeOther, ""},
		{"/dashboard/sign-in", "", http.StatusOK, `name="token"`},
		{"/dashboard/static/style.css", "", http.StatusOK, "--accent"},
		{"/dashboard/static/slackview.css", "", http.StatusOK, ".sv-message"},
		{"/healthz", "", http.StatusOK, `"status":"ok"`},
	} {
		status, location, body := b.do(tt.path, nil)
		if status != tt.status || location != tt.location || !strings.Contains(body, tt.body) {
			t.Errorf("GET %s: %d to %q, want %d to %q with %q:\n%.300s", tt.path, status, location, tt.status, tt.location, tt.body, body)
		}
	}
}

// TestDashboardShowsATriagedIncident: after the demo's scenario (events,
// then a signed webhook), a signed-in admin finds the incident on the
// Incidents page and, on its page, the note posted and the Slack message.
func TestDashboardShowsATriagedIncident(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	onset := onsetAt()
	e.sendEvents(seedEvents(onset, "dash-")...)
	e.sendWebhook(webhook("ev-dash-1", "incident.triggered", "QDASH1", "PCHECKOUT", onset))
	e.waitNotes("QDASH1", 1, 20*time.Second)

	b := newFormClient(t, e.url)
	_, _, form := b.do("/dashboard/sign-in", nil)
	token := regexp.MustCompile(`name="signin" value="([^"]+)"`).FindStringSubmatch(form)
	if token == nil {
		t.Fatalf("no sign-in form:\n%s", form)
	}
	if status, _, body := b.do("/dashboard/sign-in", url.Values{"signin": {token[1]}, "token": {testAdminToken}}); status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", status, body)
	}
	_, _, list := b.do("/dashboard/incidents", nil)
	mustContain(t, list, `href="/dashboard/incidents/QDASH1"`, "Deploy sha=a4f2c1")
	_, _, page := b.do("/dashboard/incidents/QDASH1", nil)
	mustContain(t, page, `<pre id="note">Noctuary Context`, `<svg id="timeline"`, `id="slack-preview"`, `class="sv-message"`, "OOMKilled")
}

// formClient is an HTTP client with cookies that follows no redirect.
type formClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newFormClient(t *testing.T, base string) *formClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &formClient{t: t, base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do GETs path, or POSTs form to it when form is not nil, and returns the
// status, the Location and the body.
func (b *formClient) do(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var res *http.Response
	var err error
	if form != nil {
		res, err = b.client.PostForm(b.base+path, form)
	} else {
		res, err = b.client.Get(b.base + path)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(body)
}

package dashboard_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestSignIn: the admin token signs in (a session cookie, HttpOnly,
// SameSite=Strict, Secure for an https public URL); another token does not;
// signing out ends the session for every replica (it is in Redis).
func TestSignIn(t *testing.T) {
	e := start(t)
	expect(t, e.signIn("wrong"), http.StatusUnauthorized, "That is not the admin token")
	expect(t, e.get("/dashboard/integrations"), http.StatusSeeOther)

	p := e.signIn(adminToken)
	if p.status != http.StatusSeeOther || p.location != "/dashboard/integrations" {
		t.Fatalf("sign-in: %d to %q, want 303 to /dashboard/integrations", p.status, p.location)
	}
	u, _ := url.Parse(e.url)
	var cookie *http.Cookie
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == "noctuary_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie after signing in")
	}
	expect(t, e.get("/dashboard/integrations"), http.StatusOK, "Add integration", `id="sign-out"`)

	// Another replica (a second dashboard on the same store) knows the
	// session, and its sign-out ends it.
	e.otherReplica()
	expect(t, e.get("/dashboard/integrations"), http.StatusOK, "Add integration")
	expect(t, e.post("/dashboard/sign-out", nil), http.StatusSeeOther)
	expect(t, e.get("/dashboard/integrations"), http.StatusSeeOther)
	want := []string{"dashboard:admin dashboard.sign_out ok", "dashboard:admin dashboard.sign_in ok"}
	if got := e.audited(); !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q (a refused sign-in is not audited)", got, want)
	}
}

// TestSessionCookieAttributes: the cookie is HttpOnly, SameSite=Strict and
// Secure (the public URL is https).
func TestSessionCookieAttributes(t *testing.T) {
	e := start(t)
	form := e.get("/dashboard/sign-in")
	token := strings.Split(strings.Split(form.body, `name="signin" value="`)[1], `"`)[0]
	req, _ := http.NewRequest(http.MethodPost, e.url+"/dashboard/sign-in", strings.NewReader(url.Values{"signin": {token}, "token": {adminToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "noctuary_signin", Value: token})
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var set string
	for _, c := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "noctuary_session=") {
			set = c
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=43200"} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
}

// TestSignInLimited: past the client's budget a sign-in is refused with
// 429 and a sentence, even with the right token.
func TestSignInLimited(t *testing.T) {
	e := start(t)
	for range 4 {
		expect(t, e.signIn("wrong"), http.StatusUnauthorized)
	}
	p := e.signIn(adminToken)
	expect(t, p, http.StatusTooManyRequests, "Too many sign-in attempts")
}

// TestSignInFormToken: a sign-in without the form's own token is refused.
func TestSignInFormToken(t *testing.T) {
	e := start(t)
	p := e.do(http.MethodPost, "/dashboard/sign-in", url.Values{"token": {adminToken}, "signin": {"forged"}})
	expect(t, p, http.StatusForbidden, "The sign-in form was stale")
}

// TestSessionRequired: without a session a page sends to the sign-in page
// (coming back after), and a form or the export is refused with 401.
func TestSessionRequired(t *testing.T) {
	e := start(t)
	p := e.get("/dashboard/integrations")
	if p.status != http.StatusSeeOther || p.location != "/dashboard/sign-in?next=%2Fdashboard%2Fintegrations" {
		t.Errorf("page without a session: %d to %q", p.status, p.location)
	}
	expect(t, e.post("/dashboard/integrations", url.Values{"environment": {"prod"}, "type": {"pagerduty"}}), http.StatusUnauthorized, "Sign in first")
	if got := e.audited(); len(got) != 0 {
		t.Errorf("a refused form changed something: %v", got)
	}
}

// TestCSRFRefused: a form of a signed-in admin without the session's CSRF
// token, or with another, changes nothing (403 and a sentence).
func TestCSRFRefused(t *testing.T) {
	e := start(t).signedIn()
	for _, token := range []string{"", "not-the-token"} {
		p := e.post("/dashboard/integrations", url.Values{"csrf": {token}, "environment": {"prod"}, "type": {"pagerduty"}})
		expect(t, p, http.StatusForbidden, "security token is missing or stale")
	}
	if got := e.audited(); !slices.Equal(got, []string{"dashboard:admin dashboard.sign_in ok"}) {
		t.Errorf("a refused form changed something: %v", got)
	}
}

// TestSecurityHeaders: every answer forbids framing, inline script and
// sniffing, and pages are not cached.
func TestSecurityHeaders(t *testing.T) {
	e := start(t)
	res, err := e.client.Get(e.url + "/dashboard/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for h, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		"Content-Security-Policy": "script-src 'self'",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
}

// TestDashboardOff: without an admin token nobody can sign in, and every
// page says how to turn the dashboard on.
func TestDashboardOff(t *testing.T) {
	e := start(t)
	e.opt.AdminToken = ""
	e.otherReplica()
	expect(t, e.get("/dashboard/sign-in"), http.StatusNotFound, "The dashboard is off: set NOCTUARY_ADMIN_TOKEN")
	expect(t, e.do(http.MethodPost, "/dashboard/sign-in", url.Values{"token": {""}}), http.StatusNotFound, "The dashboard is off")
}

// TestSignedInPages: a signed-in admin visiting the sign-in page goes on to
// the page asked for (never to another site); an unknown page is a 404 with
// a sentence.
func TestSignedInPages(t *testing.T) {
	e := start(t).signedIn()
	for next, want := range map[string]string{
		"%2Fdashboard%2Fservices":           "/dashboard/services",
		"https%3A%2F%2Fevil.example%2F":     "/dashboard/incidents",
		"%2F%2Fevil.example%2Fdashboard%2F": "/dashboard/incidents",
	} {
		if p := e.get("/dashboard/sign-in?next=" + next); p.status != http.StatusSeeOther || p.location != want {
			t.Errorf("next=%s: %d to %q, want %q", next, p.status, p.location, want)
		}
	}
	expect(t, e.get("/dashboard/nowhere"), http.StatusNotFound, "There is no page GET /dashboard/nowhere.")
	expect(t, e.get("/dashboard/static/"), http.StatusNotFound, "There is no file /dashboard/static/.")
	expect(t, e.get("/dashboard/static/copy.js"), http.StatusOK, "navigator.clipboard")
}

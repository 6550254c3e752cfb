package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuditSignIns: signing in is audited, with the client's address;
// filters that match nothing say how to clear them.
func TestAuditSignIns(t *testing.T) {
	e := start(t, "checkout").signedIn()
	expect(t, e.get("/dashboard/audit"), http.StatusOK, "<td>dashboard.sign_in</td>", "client=127.0.0.1")
	expect(t, e.get("/dashboard/audit?actor=nobody"), http.StatusOK, `id="audit-empty"`, "clear them")
}

// TestAuditPage: the dashboard's changes are listed, filtered by service,
// actor and time, and exported as NDJSON with the same filters.
func TestAuditPage(t *testing.T) {
	e := start(t, "checkout", "payments").signedIn()
	for _, path := range []string{"/dashboard/services/checkout/enabled", "/dashboard/services/payments/enabled"} {
		expect(t, e.post(path, url.Values{"enabled": {"true"}}), http.StatusSeeOther)
	}
	p := e.get("/dashboard/audit?service=payments&actor=dashboard:admin")
	expect(t, p, http.StatusOK, `id="audit"`, "service.enable", `href="/dashboard/audit.ndjson?service=payments&amp;actor=dashboard:admin" id="audit-export"`)
	if strings.Contains(p.body, "<td>checkout</td>") {
		t.Error("the service filter let checkout's entry through")
	}
	expect(t, e.get("/dashboard/audit?since=2999-01-01T00:00"), http.StatusOK, "clear them")

	x := e.get("/dashboard/audit.ndjson?actor=dashboard:admin")
	lines := strings.Split(strings.TrimSpace(x.body), "\n")
	if x.status != http.StatusOK || len(lines) != 3 || !strings.Contains(lines[0], `"action":"service.enable"`) {
		t.Errorf("export: %d %q", x.status, x.body)
	}
}

// TestAuditRefusals: bad filters are refused with a sentence; the export
// needs a session.
func TestAuditRefusals(t *testing.T) {
	e := start(t).signedIn()
	for query, want := range map[string]string{
		"since=yesterday": "Since &#34;yesterday&#34; is not a time",
		"service=a%20b":   "is not a service key",
		"since=2026-11-23T02:00&until=2026-11-22": "Until is before since",
	} {
		expect(t, e.get("/dashboard/audit?"+query), http.StatusBadRequest, `class="error"`, want)
	}
	expect(t, e.get("/dashboard/audit.ndjson?since=yesterday"), http.StatusBadRequest, "is not a time")
	e.client = newClient(t)
	expect(t, e.get("/dashboard/audit.ndjson"), http.StatusUnauthorized, "Sign in first")
}

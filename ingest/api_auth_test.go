package ingest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary/store/storetest"
)

// adminRoutes is every admin API route, with a body it would accept.
var adminRoutes = []struct{ method, path, body string }{
	{http.MethodGet, "/api/v1/services", ""},
	{http.MethodPost, "/api/v1/services", `{"key":"search","environment":"prod","pagerduty_service_ids":["PSEARCH"]}`},
	{http.MethodGet, "/api/v1/services/checkout", ""},
	{http.MethodPut, "/api/v1/services/checkout/enabled", `{"enabled":true}`},
	{http.MethodPut, "/api/v1/services/checkout/mode", `{"mode":"action"}`},
	{http.MethodPut, "/api/v1/services/checkout/channel", `{"slack_channel":"C0123CHECK"}`},
	{http.MethodPut, "/api/v1/services/checkout/dependencies", `{"dependencies":["postgres-main"]}`},
	{http.MethodPost, "/api/v1/services/checkout/approvers", `{"approver":"U0ALICE"}`},
	{http.MethodDelete, "/api/v1/services/checkout/approvers/U0ALICE", ""},
	{http.MethodGet, "/api/v1/services/checkout/actions", ""},
	{http.MethodGet, "/api/v1/integrations", ""},
	{http.MethodPost, "/api/v1/integrations", `{"id":"staging","environment":"staging"}`},
	{http.MethodPut, "/api/v1/integrations/prod/webhook-secret", `{"secret":"whsec"}`},
	{http.MethodPut, "/api/v1/integrations/prod/token", `{"token":"pd-token"}`},
	{http.MethodPost, "/api/v1/integrations/prod/check", ""},
	{http.MethodGet, "/api/v1/audit", ""},
	{http.MethodGet, "/api/v1/audit?format=ndjson", ""},
	{http.MethodGet, "/api/v1/incidents", ""},
	{http.MethodGet, "/api/v1/incidents/Q1ABCDEF", ""},
	{http.MethodGet, "/api/v1/webhooks/dead", ""},
}

// TestAdminAPIRefusesWithoutTheToken: every route answers 401 with a JSON
// sentence to a request without the admin token, with another token (an
// ingest token included) or another scheme, and changes nothing.
func TestAdminAPIRefusesWithoutTheToken(t *testing.T) {
	e := startAPI(t)
	headers := []struct {
		name   string
		header map[string]string
	}{
		{"no header", map[string]string{"Content-Type": "application/json"}},
		{"bad token", bearer("not-the-admin-token")},
		{"ingest token", bearer(tokenAll)},
		{"basic scheme", map[string]string{"Authorization": "Basic " + tokenAdmin}},
	}
	for _, route := range adminRoutes {
		for _, h := range headers {
			t.Run(route.method+" "+route.path+" "+h.name, func(t *testing.T) {
				r := do(t, route.method, e.url+route.path, []byte(route.body), h.header)
				check(t, r, http.StatusUnauthorized, "unauthorized")
			})
		}
	}
	if lines := auditLines(t, e.store); len(lines) != 0 {
		t.Errorf("refused requests were audited or applied: %v", lines)
	}
}

// TestAdminAPIWithoutAdminIsReadOnly: a server without the admin
// operations mounts no route that changes something or shows integrations.
func TestAdminAPIWithoutAdminIsReadOnly(t *testing.T) {
	st := storetest.Open(t, "redis", storeOptions())
	e := startWith(t, st, serverOptions(st))
	for _, route := range adminRoutes {
		r := do(t, route.method, e.url+route.path, []byte(route.body), bearer(tokenAdmin))
		readOnly := route.method == http.MethodGet && !strings.HasPrefix(route.path, "/api/v1/integrations")
		switch {
		case readOnly && r.status == http.StatusNotFound && r.code() == "not_found" && strings.HasPrefix(r.body["error"].(string), "There is no route"):
			t.Errorf("%s %s is not mounted", route.method, route.path)
		case !readOnly && r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed:
			t.Errorf("%s %s answered %d without the admin operations: %s", route.method, route.path, r.status, r.raw)
		}
	}
}

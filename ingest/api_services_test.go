package ingest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// TestAdminAPIServices walks a service through the changes the slash
// commands make, through the same admin operations: each answers the
// service as it now is, and each is audited once as the API's actor.
func TestAdminAPIServices(t *testing.T) {
	e := startAPI(t)
	steps := []struct {
		method, path, body string
		check              func(svc noctuary.Service) bool
		audit              string
	}{
		{http.MethodPost, "/api/v1/services", `{"key":"search","environment":"prod","pagerduty_service_ids":["PSEARCH"],"slack_channel":"C0123SEARCH"}`,
			func(s noctuary.Service) bool {
				return s.Key == "search" && !s.Enabled && s.Mode == noctuary.ModeReadOnly
			}, "service.create"},
		{http.MethodPut, "/api/v1/services/search/enabled", `{"enabled":true}`,
			func(s noctuary.Service) bool { return s.Enabled && s.SlackChannel == "C0123SEARCH" }, "service.enable"},
		{http.MethodPut, "/api/v1/services/search/mode", `{"mode":"Action"}`,
			func(s noctuary.Service) bool { return s.Mode == noctuary.ModeAction }, "service.mode"},
		{http.MethodPut, "/api/v1/services/search/channel", `{"slack_channel":"G0123PRIVATE"}`,
			func(s noctuary.Service) bool { return s.SlackChannel == "G0123PRIVATE" }, "service.channel"},
		{http.MethodPost, "/api/v1/services/search/approvers", `{"approver":"U0ALICE"}`,
			func(s noctuary.Service) bool { return reflect.DeepEqual(s.Approvers, []string{"U0ALICE"}) }, "service.approver.add"},
		{http.MethodPost, "/api/v1/services/search/approvers", `{"approver":"S0SRETEAM"}`,
			func(s noctuary.Service) bool { return len(s.Approvers) == 2 }, "service.approver.add"},
		{http.MethodDelete, "/api/v1/services/search/approvers/U0ALICE", "",
			func(s noctuary.Service) bool { return reflect.DeepEqual(s.Approvers, []string{"S0SRETEAM"}) }, "service.approver.remove"},
		{http.MethodPut, "/api/v1/services/search/dependencies", `{"dependencies":["postgres-main","elastic","postgres-main"]}`,
			func(s noctuary.Service) bool {
				return reflect.DeepEqual(s.Dependencies, []string{"elastic", "postgres-main"})
			}, "service.dependencies"},
		{http.MethodPut, "/api/v1/services/search/channel", `{"slack_channel":""}`,
			func(s noctuary.Service) bool { return s.SlackChannel == "" }, "service.channel"},
		{http.MethodPut, "/api/v1/services/search/enabled", `{"enabled":false}`,
			func(s noctuary.Service) bool { return !s.Enabled && s.Mode == noctuary.ModeAction }, "service.disable"},
	}
	for i, st := range steps {
		r := do(t, st.method, e.url+st.path, []byte(st.body), asAdmin("alice@example.com"))
		check(t, r, http.StatusOK, "")
		var svc noctuary.Service
		if err := json.Unmarshal([]byte(r.raw), &svc); err != nil || !st.check(svc) {
			t.Fatalf("step %d %s %s: answer %s (%v)", i, st.method, st.path, r.raw, err)
		}
		if got, want := auditLines(t, e.store)[0], "api:alice@example.com "+st.audit+" search ok"; got != want {
			t.Fatalf("step %d: latest audit entry %q, want %q", i, got, want)
		}
	}
	if n := len(auditLines(t, e.store)); n != len(steps) {
		t.Errorf("%d audit entries, want one per change (%d)", n, len(steps))
	}
}

// TestAdminAPIServiceReads: the list shows every service and the global
// pause, never the actions' webhooks; the actions route shows the declared
// actions with their webhook's host only.
func TestAdminAPIServiceReads(t *testing.T) {
	e := startAPI(t)
	r := do(t, http.MethodGet, e.url+"/api/v1/services", nil, asAdmin(""))
	check(t, r, http.StatusOK, "")
	var list struct {
		Services []noctuary.Service `json:"services"`
		Paused   *bool              `json:"paused"`
	}
	if err := json.Unmarshal([]byte(r.raw), &list); err != nil || len(list.Services) != 2 || list.Paused == nil || *list.Paused {
		t.Fatalf("GET /api/v1/services = %s (%v)", r.raw, err)
	}
	r = do(t, http.MethodGet, e.url+"/api/v1/services/checkout/actions", nil, asAdmin(""))
	check(t, r, http.StatusOK, "")
	want := `{"actions":[{"name":"rollback","description":"Roll back","destructive":true,"params":["sha"],"webhook_host":"deployer.internal"}]}`
	if r.raw != want {
		t.Errorf("actions = %s\nwant      %s", r.raw, want)
	}
	for _, path := range []string{"/api/v1/services", "/api/v1/services/checkout"} {
		if r := do(t, http.MethodGet, e.url+path, nil, asAdmin("")); strings.Contains(r.raw, "hook-credential") || strings.Contains(r.raw, "/hooks/") {
			t.Errorf("GET %s shows the action's webhook: %s", path, r.raw)
		}
	}
	r = do(t, http.MethodGet, e.url+"/api/v1/services/payments/actions", nil, asAdmin(""))
	if check(t, r, http.StatusOK, ""); r.raw != `{"actions":[]}` {
		t.Errorf("actions of payments = %s, want none", r.raw)
	}
}

// TestAdminAPIServiceInvalidInput: bad bodies and bad values are refused
// with a sentence and a code; a refusal by the admin operations is audited
// as it is when it comes from Slack, a malformed request is not.
func TestAdminAPIServiceInvalidInput(t *testing.T) {
	e := startAPI(t)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		code, msg                string
		audited                  bool
	}{
		{"empty body", http.MethodPut, "/services/checkout/mode", "", nil, 400, "invalid", "The body is empty; send a JSON object.", false},
		{"not JSON", http.MethodPut, "/services/checkout/mode", "mode=action", nil, 400, "invalid", "The body is not the JSON object this route takes", false},
		{"unknown field", http.MethodPut, "/services/checkout/mode", `{"mode":"action","force":true}`, nil, 400, "invalid", `unknown field "force"`, false},
		{"an array", http.MethodPut, "/services/checkout/enabled", `[{"enabled":true}]`, nil, 400, "invalid", "The body is not the JSON object this route takes: it is an array.", false},
		{"enabled not a boolean", http.MethodPut, "/services/checkout/enabled", `{"enabled":"yes"}`, nil, 400, "invalid", `The body is not the JSON object this route takes: "enabled" must be true or false, not a string.`, false},
		{"dependencies not a list", http.MethodPut, "/services/checkout/dependencies", `{"dependencies":"postgres-main"}`, nil, 400, "invalid", `"dependencies" must be a list of strings, not a string.`, false},
		{"a dependency not a string", http.MethodPut, "/services/checkout/dependencies", `{"dependencies":[1]}`, nil, 400, "invalid", `"dependencies" must be a list of strings, not a number.`, false},
		{"two objects", http.MethodPut, "/services/checkout/mode", `{"mode":"action"}{"mode":"read-only"}`, nil, 400, "invalid", "more than one JSON value", false},
		{"too large", http.MethodPut, "/services/checkout/dependencies", `{"dependencies":["` + strings.Repeat("a", 70<<10) + `"]}`, nil, 413, "too_large", "The body is larger than 64 KiB.", false},
		{"bad mode", http.MethodPut, "/services/checkout/mode", `{"mode":"yolo"}`, nil, 400, "invalid", `"yolo" is not a mode: use read-only or action`, false},
		{"enabled missing", http.MethodPut, "/services/checkout/enabled", `{}`, nil, 400, "invalid", `The body needs "enabled": true or false.`, false},
		{"channel with disable", http.MethodPut, "/services/checkout/enabled", `{"enabled":false,"slack_channel":"C0123CHECK"}`, nil, 400, "invalid", `"slack_channel" goes with "enabled": true`, false},
		{"channel missing", http.MethodPut, "/services/checkout/channel", `{}`, nil, 400, "invalid", `The body needs "slack_channel"`, false},
		{"dependencies missing", http.MethodPut, "/services/checkout/dependencies", `{}`, nil, 400, "invalid", `The body needs "dependencies"`, false},
		{"bad actor", http.MethodPut, "/services/checkout/mode", `{"mode":"action"}`, map[string]string{"X-Noctuary-Actor": "alice smith"}, 400, "invalid", "X-Noctuary-Actor may hold only", false},
		{"bad service key", http.MethodGet, "/services/check%20out/actions", "", nil, 400, "invalid", `"check out" is not a service key`, false},
		{"unknown service", http.MethodGet, "/services/billing/actions", "", nil, 404, "not_found", "", false},
		{"enable unknown service", http.MethodPut, "/services/chekout/enabled", `{"enabled":true}`, nil, 404, "not_found", "(did you mean checkout?)", true},
		{"channel name", http.MethodPut, "/services/checkout/enabled", `{"enabled":true,"slack_channel":"#checkout"}`, nil, 400, "invalid", `channel "#checkout" is not a Slack channel ID`, true},
		{"bad channel", http.MethodPut, "/services/checkout/channel", `{"slack_channel":"checkout"}`, nil, 400, "invalid", `channel "checkout" is not a Slack channel ID`, true},
		{"bad approver", http.MethodPost, "/services/checkout/approvers", `{"approver":"alice"}`, nil, 400, "invalid", `approver "alice" is not a Slack user ID`, true},
		{"absent approver", http.MethodDelete, "/services/checkout/approvers/U0BOBBOB", "", nil, 404, "not_found", "U0BOBBOB is not an approver of checkout", true},
		{"self dependency", http.MethodPut, "/services/checkout/dependencies", `{"dependencies":["checkout"]}`, nil, 400, "invalid", "service checkout cannot depend on itself", true},
		{"bad dependency", http.MethodPut, "/services/checkout/dependencies", `{"dependencies":["pg main"]}`, nil, 400, "invalid", `service name "pg main" may hold only`, true},
		{"create existing", http.MethodPost, "/services", `{"key":"checkout","environment":"prod","pagerduty_service_ids":["PNEW"]}`, nil, 409, "conflict", "service checkout already exists", true},
		{"create without PagerDuty ID", http.MethodPost, "/services", `{"key":"search","environment":"prod"}`, nil, 400, "invalid", "needs a PagerDuty service ID", true},
		{"wrong method", http.MethodPatch, "/services/checkout/mode", `{"mode":"action"}`, nil, 405, "method_not_allowed", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(auditLines(t, e.store))
			h := asAdmin("")
			for k, v := range tt.header {
				h[k] = v
			}
			r := do(t, tt.method, e.url+"/api/v1"+tt.path, []byte(tt.body), h)
			check(t, r, tt.status, tt.code)
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, tt.msg) || strings.Contains(msg, "Go ") || strings.Contains(msg, "json: ") {
				t.Errorf("error = %q, want it to hold %q and no Go names", msg, tt.msg)
			}
			lines := auditLines(t, e.store)
			if got := len(lines) - before; tt.audited && (got != 1 || !strings.HasSuffix(lines[0], " "+tt.code)) || !tt.audited && got != 0 {
				t.Errorf("audit after the refusal: %v (audited: %v)", lines, tt.audited)
			}
		})
	}
}

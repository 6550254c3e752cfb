package ingest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// webhookStatus posts a PagerDuty webhook signed with secret to the
// integration's webhook URL and returns the status.
func webhookStatus(t *testing.T, e *apiEnv, integration, id, secret string) int {
	t.Helper()
	body := webhookBody(id, "incident.triggered")
	r := do(t, http.MethodPost, e.url+"/webhooks/pagerduty/"+integration, body,
		map[string]string{"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, secret)})
	return r.status
}

// TestAdminAPIIntegrations walks the seed's set-up: add a PagerDuty
// integration, paste its webhook URL into PagerDuty, set the signing secret
// PagerDuty shows once, then the PagerDuty key, check the connection, and
// rotate the secret. Secrets never come back, nor reach the audit log.
func TestAdminAPIIntegrations(t *testing.T) {
	e := startAPI(t)
	r := do(t, http.MethodPost, e.url+"/api/v1/integrations", []byte(`{"id":"staging","environment":"staging","from":"noctuary@example.com","api_url":"`+e.pd.URL+`"}`), asAdmin("alice@example.com"))
	check(t, r, http.StatusCreated, "")
	if r.body["webhook_url"] != "https://noctuary.example/webhooks/pagerduty/staging" || r.body["direction"] != "bidirectional" || r.body["webhook_secret_set"] != false {
		t.Fatalf("created %s", r.raw)
	}
	if st := webhookStatus(t, e, "staging", "ev-1", "whsec-one"); st != http.StatusUnauthorized {
		t.Errorf("webhook before a secret is set: %d, want 401", st)
	}

	r = do(t, http.MethodPut, e.url+"/api/v1/integrations/staging/webhook-secret", []byte(`{"secret":"whsec-one"}`), asAdmin(""))
	if check(t, r, http.StatusOK, ""); r.body["webhook_secret_set"] != true {
		t.Errorf("after setting the secret: %s", r.raw)
	}
	if st := webhookStatus(t, e, "staging", "ev-2", "whsec-one"); st != http.StatusAccepted {
		t.Errorf("webhook signed with the secret: %d, want 202", st)
	}
	check(t, do(t, http.MethodPut, e.url+"/api/v1/integrations/staging/webhook-secret", []byte(`{"secret":"whsec-two"}`), asAdmin("")), http.StatusOK, "")
	for i, secret := range []string{"whsec-two", "whsec-one"} {
		if st := webhookStatus(t, e, "staging", "ev-rot-"+secret, secret); st != http.StatusAccepted {
			t.Errorf("after the rotation, secret %d: %d, want 202 (the previous one is in its grace)", i, st)
		}
	}
	if st := webhookStatus(t, e, "staging", "ev-3", "whsec-other"); st != http.StatusUnauthorized {
		t.Errorf("webhook with another secret: %d, want 401", st)
	}

	r = do(t, http.MethodPost, e.url+"/api/v1/integrations/staging/check", nil, asAdmin(""))
	if check(t, r, http.StatusOK, ""); !strings.Contains(r.raw, `"view_incidents":false,"create_notes":false,"problems":["No PagerDuty key is set`) {
		t.Errorf("check without a key: %s", r.raw)
	}
	r = do(t, http.MethodPut, e.url+"/api/v1/integrations/staging/token", []byte(`{"token":"not-the-key"}`), asAdmin(""))
	check(t, r, http.StatusBadRequest, "invalid")
	if !strings.Contains(r.body["error"].(string), "PagerDuty did not accept the new key for environment staging") {
		t.Errorf("refused key: %s", r.raw)
	}
	check(t, do(t, http.MethodPut, e.url+"/api/v1/integrations/staging/token", []byte(`{"token":"pd-token"}`), asAdmin("")), http.StatusOK, "")

	var got noctuary.ConnectionCheck
	r = do(t, http.MethodPost, e.url+"/api/v1/integrations/staging/check", nil, asAdmin(""))
	if check(t, r, http.StatusOK, ""); json.Unmarshal([]byte(r.raw), &got) != nil || !got.ViewIncidents || got.CreateNotes ||
		len(got.Problems) != 1 || !strings.Contains(got.Problems[0], "No PagerDuty user has the from email noctuary@example.com") {
		t.Errorf("check with an unknown From user: %s", r.raw)
	}
	e.pd.AddUser(pdtest.User{ID: "PNOCT", Name: "Noctuary", Email: "Noctuary@example.com"})
	r = do(t, http.MethodPost, e.url+"/api/v1/integrations/staging/check", nil, asAdmin(""))
	if check(t, r, http.StatusOK, ""); r.raw != `{"view_incidents":true,"create_notes":true,"problems":[]}` {
		t.Errorf("check: %s", r.raw)
	}

	r = do(t, http.MethodGet, e.url+"/api/v1/integrations", nil, asAdmin(""))
	check(t, r, http.StatusOK, "")
	if !strings.Contains(r.raw, `"id":"prod"`) || !strings.Contains(r.raw, `"id":"staging"`) {
		t.Errorf("list: %s", r.raw)
	}
	entries, err := e.store.AuditEntries(t.Context(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := json.Marshal(entries)
	for _, secret := range []string{"whsec-one", "whsec-two", "pd-token", "not-the-key", secretNew} {
		if strings.Contains(r.raw, secret) || strings.Contains(string(audit), secret) {
			t.Errorf("secret %q shows in the list or the audit log", secret)
		}
	}
	want := "api:admin key.rotate  ok|api:admin key.rotate  invalid|api:admin integration.webhook_secret  ok|api:admin integration.webhook_secret  ok|api:alice@example.com integration.create  ok"
	if got := strings.Join(auditLines(t, e.store), "|"); got != want {
		t.Errorf("audit:\n%s\nwant\n%s", got, want)
	}
}

func TestAdminAPIIntegrationInvalidInput(t *testing.T) {
	e := startAPI(t)
	check(t, do(t, http.MethodPost, e.url+"/api/v1/integrations", []byte(`{"id":"staging","environment":"staging"}`), asAdmin("")), http.StatusCreated, "")
	tests := []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"bad id", http.MethodPost, "/integrations", `{"id":"Staging/1","environment":"qa"}`, 400, "invalid", `integration ID "Staging/1" may hold only`},
		{"bad environment", http.MethodPost, "/integrations", `{"id":"qa","environment":""}`, 400, "invalid", `environment "" may hold only`},
		{"bad direction", http.MethodPost, "/integrations", `{"id":"qa","environment":"qa","direction":"outbound"}`, 400, "invalid", `direction "outbound" is not known`},
		{"bad from", http.MethodPost, "/integrations", `{"id":"qa","environment":"qa","from":"noctuary"}`, 400, "invalid", `from "noctuary" is not an email`},
		{"bad api_url", http.MethodPost, "/integrations", `{"id":"qa","environment":"qa","api_url":"ftp://pd"}`, 400, "invalid", `api_url "ftp://pd" is not an http(s) URL`},
		{"unknown field", http.MethodPost, "/integrations", `{"id":"qa","environment":"qa","token":"x"}`, 400, "invalid", `unknown field "token"`},
		{"environment of the file", http.MethodPost, "/integrations", `{"id":"prod2","environment":"prod"}`, 409, "conflict", "each environment has exactly one"},
		{"taken id", http.MethodPost, "/integrations", `{"id":"staging","environment":"qa"}`, 409, "conflict", "each environment has exactly one"},
		{"empty secret", http.MethodPut, "/integrations/staging/webhook-secret", `{"secret":"  "}`, 400, "invalid", "the webhook secret must hold 1 to 512 characters"},
		{"secret missing", http.MethodPut, "/integrations/staging/webhook-secret", `{"token":"x"}`, 400, "invalid", `The body must be {"secret": "…"} and nothing else.`},
		{"secret not a string", http.MethodPut, "/integrations/staging/webhook-secret", `{"secret":42}`, 400, "invalid", "The body is not the JSON object this route takes"},
		{"secret of the file's integration", http.MethodPut, "/integrations/prod/webhook-secret", `{"secret":"whsec"}`, 400, "invalid", "integration prod is declared in the configuration file"},
		{"secret of an unknown integration", http.MethodPut, "/integrations/nope/webhook-secret", `{"secret":"whsec"}`, 404, "not_found", `integration "nope" is not known`},
		{"empty token", http.MethodPut, "/integrations/staging/token", `{"token":""}`, 400, "invalid", "the new PagerDuty key is empty"},
		{"token of an unknown integration", http.MethodPut, "/integrations/nope/token", `{"token":"pd-token"}`, 404, "not_found", `integration "nope" is not configured`},
		{"check an unknown integration", http.MethodPost, "/integrations/nope/check", "", 404, "not_found", `integration "nope" is not configured`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, e.url+"/api/v1"+tt.path, []byte(tt.body), asAdmin(""))
			check(t, r, tt.status, tt.code)
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("error = %q, want it to hold %q", msg, tt.msg)
			}
		})
	}
}

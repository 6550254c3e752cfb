package ingest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store/storetest"
)

func TestHealth(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		check(t, do(t, http.MethodGet, e.url+"/healthz", nil, nil), http.StatusOK, "")
		r := do(t, http.MethodGet, e.url+"/readyz", nil, nil)
		check(t, r, http.StatusOK, "")
		if r.body["status"] != "ok" {
			t.Fatalf("readyz = %s", r.raw)
		}
	})
}

func TestReadyzRedisDown(t *testing.T) {
	e, redis := startRedis(t)
	redis.Stop()
	check(t, do(t, http.MethodGet, e.url+"/readyz", nil, nil), http.StatusServiceUnavailable, "unavailable")
	check(t, do(t, http.MethodGet, e.url+"/healthz", nil, nil), http.StatusOK, "")
}

func TestMetrics(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		body := webhookBody("EV-M", "incident.triggered")
		do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", body, map[string]string{"X-PagerDuty-Signature": sign(body, secretNew)})
		do(t, http.MethodPost, e.url+"/webhooks/pagerduty/nope", body, nil)
		do(t, http.MethodPost, e.url+"/v1/events", []byte(eventJSON("m1", "checkout")), bearer(tokenAll))
		do(t, http.MethodPost, e.url+"/v1/events", []byte(`{"service":"checkout"}`), bearer(tokenAll))
		do(t, http.MethodGet, e.url+"/no/such/path", nil, nil)
		r := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
		check(t, r, http.StatusOK, "")
		for _, want := range []string{
			`noctuary_http_requests_total{method="POST",route="/v1/events",status="202"} 1`,
			`noctuary_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
			`noctuary_http_request_duration_seconds_bucket{method="POST",route="/webhooks/pagerduty/:integration"`,
			`noctuary_webhooks_total{integration="prod",outcome="accepted"} 1`,
			`noctuary_webhooks_total{integration="",outcome="unknown_integration"} 1`,
			`noctuary_events_accepted_total 1`,
			`noctuary_events_duplicates_total 0`,
			`noctuary_events_rejected_total 1`,
			`noctuary_stream_length{stream="webhooks"} 1`,
		} {
			if !strings.Contains(r.raw, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestMetricsDefaultRegistry(t *testing.T) {
	st := storetest.Open(t, "embedded", storeOptions())
	opt := serverOptions(st)
	opt.Registry = nil
	r := do(t, http.MethodGet, startWith(t, st, opt).url+"/metrics", nil, nil)
	if r.status != http.StatusOK || !strings.Contains(r.raw, "go_goroutines") || !strings.Contains(r.raw, "noctuary_stream_length") {
		t.Fatalf("metrics: %d\n%s", r.status, r.raw)
	}
}

func TestAdminIncident(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		inc := noctuary.Incident{ID: "Q1ABCDEF", Title: "Primary DB unreachable"}
		if err := e.store.SaveTriage(ctx, noctuary.Triage{ID: "T1", Incident: inc, Service: "checkout", Hypothesis: "deploy"}); err != nil {
			t.Fatal(err)
		}
		url := e.url + "/api/v1/incidents/"
		check(t, do(t, http.MethodGet, url+"Q1ABCDEF", nil, nil), http.StatusUnauthorized, "unauthorized")
		check(t, do(t, http.MethodGet, url+"Q1ABCDEF", nil, bearer(tokenAll)), http.StatusUnauthorized, "unauthorized")
		check(t, do(t, http.MethodGet, url+"QUNKNOWN", nil, bearer(tokenAdmin)), http.StatusNotFound, "not_found")
		r := do(t, http.MethodGet, url+"Q1ABCDEF", nil, bearer(tokenAdmin))
		check(t, r, http.StatusOK, "")
		state, _ := r.body["incident_state"].(map[string]any)
		triage, _ := r.body["triage"].(map[string]any)
		if state["triage_id"] != "T1" || triage["hypothesis"] != "deploy" {
			t.Fatalf("answer = %s", r.raw)
		}
	})
}

func TestAdminOff(t *testing.T) {
	st := storetest.Open(t, "embedded", storeOptions())
	opt := serverOptions(st)
	opt.AdminToken = ""
	r := do(t, http.MethodGet, startWith(t, st, opt).url+"/api/v1/incidents/Q1", nil, bearer(""))
	check(t, r, http.StatusNotFound, "not_found")
	if !strings.Contains(r.raw, "NOCTUARY_ADMIN_TOKEN") {
		t.Fatalf("answer = %s, want it to name NOCTUARY_ADMIN_TOKEN", r.raw)
	}
}

func TestRoutingErrorsAreJSON(t *testing.T) {
	e := start(t, "embedded")
	check(t, do(t, http.MethodGet, e.url+"/nope", nil, nil), http.StatusNotFound, "not_found")
	r := do(t, http.MethodGet, e.url+"/v1/events", nil, nil)
	check(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestHandleMountsWithRecovery(t *testing.T) {
	st := storetest.Open(t, "embedded", storeOptions())
	var logs bytes.Buffer
	opt := serverOptions(st)
	opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	s := ingest.New(opt)
	s.Handle(http.MethodPost, "/slack/commands", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	s.Handle(http.MethodGet, "/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	e := startWithHandler(t, s)
	if r := do(t, http.MethodPost, e+"/slack/commands", nil, nil); r.status != http.StatusTeapot {
		t.Fatalf("mounted handler: %d", r.status)
	}
	check(t, do(t, http.MethodGet, e+"/boom", nil, nil), http.StatusInternalServerError, "internal")
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}

// TestDeadWebhooksEndpoint: the admin API lists dead-lettered events with
// their reason.
func TestDeadWebhooksEndpoint(t *testing.T) {
	st := storetest.Open(t, "embedded", storeOptions())
	e := startWithHandler(t, ingest.New(serverOptions(st)))
	ctx := context.Background()
	ev := noctuary.WebhookEvent{ID: "EV-DEAD", Type: "incident.triggered", Integration: "prod", Incident: noctuary.Incident{ID: "QDEAD"}}
	if _, err := st.EnqueueWebhook(ctx, ev); err != nil {
		t.Fatal(err)
	}
	msgs, err := st.ReadWebhooks(ctx, "w", 1, 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("read: %v %v", msgs, err)
	}
	if err := st.DeadLetterWebhook(ctx, msgs[0], "failed on delivery 5: refused"); err != nil {
		t.Fatal(err)
	}
	check(t, do(t, http.MethodGet, e+"/api/v1/webhooks/dead", nil, nil), http.StatusUnauthorized, "unauthorized")
	check(t, do(t, http.MethodGet, e+"/api/v1/webhooks/dead?limit=0", nil, bearer(tokenAdmin)), http.StatusBadRequest, "invalid")
	r := do(t, http.MethodGet, e+"/api/v1/webhooks/dead", nil, bearer(tokenAdmin))
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"reason":"failed on delivery 5: refused"`) || !strings.Contains(r.raw, `"QDEAD"`) {
		t.Fatalf("dead list: %d %s", r.status, r.raw)
	}
}

func TestSecretsNotLogged(t *testing.T) {
	e, redis := startRedis(t)
	_ = e
	var logs bytes.Buffer
	opt := serverOptions(e.store)
	opt.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	url := startWith(t, e.store, opt).url
	body := webhookBody("EV-S", "incident.triggered")
	do(t, http.MethodPost, url+"/webhooks/pagerduty/prod", body, map[string]string{"X-PagerDuty-Signature": sign(body, "wrong")})
	redis.Stop()
	do(t, http.MethodPost, url+"/webhooks/pagerduty/prod", body, map[string]string{"X-PagerDuty-Signature": sign(body, secretNew)})
	do(t, http.MethodPost, url+"/v1/events", []byte(eventJSON("", "checkout")), bearer(tokenAll))
	for _, secret := range []string{secretNew, secretOld, tokenAll, tokenAdmin} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("logs hold secret %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "unavailable") {
		t.Fatalf("the outage was not logged:\n%s", logs.String())
	}
}

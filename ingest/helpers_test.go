package ingest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// Secrets and tokens of the test server.
const (
	secretNew   = "whsec-new"
	secretOld   = "whsec-old"
	tokenAll    = "ingest-all"
	tokenScoped = "ingest-checkout"
	tokenAdmin  = "admin-token"
)

// env is a running server over a real store.
type env struct {
	url      string
	store    *store.Store
	registry *prometheus.Registry
}

func storeOptions() store.Options {
	return store.Options{Integrations: []noctuary.Integration{{
		ID: "prod", Environment: "prod", Direction: noctuary.DirectionBidirectional,
		WebhookSecrets: []noctuary.Secret{secretNew, secretOld},
	}}}
}

func serverOptions(st ingest.Store) ingest.Options {
	return ingest.Options{
		Store: st,
		IngestTokens: []ingest.Token{
			{Token: tokenAll},
			{Token: tokenScoped, Services: []string{"checkout"}},
		},
		AdminToken:     tokenAdmin,
		Registry:       prometheus.NewRegistry(),
		Logger:         slog.New(slog.DiscardHandler),
		EventRetention: store.DefaultEventRetention,
	}
}

// startWith serves a Server built from opt over st.
func startWith(t testing.TB, st *store.Store, opt ingest.Options) *env {
	t.Helper()
	srv := httptest.NewServer(ingest.New(opt).Handler())
	t.Cleanup(srv.Close)
	return &env{url: srv.URL, store: st, registry: opt.Registry}
}

// start serves a Server with the default test options over a fresh store of kind.
func start(t testing.TB, kind string) *env {
	t.Helper()
	st := storetest.Open(t, kind, storeOptions())
	return startWith(t, st, serverOptions(st))
}

// startRedis serves a Server over a real redis-server that the test may stop.
func startRedis(t testing.TB) (*env, *storetest.Server) {
	t.Helper()
	rs := storetest.StartRedis(t)
	opt := storeOptions()
	opt.Logger = slog.New(slog.DiscardHandler)
	st, err := store.Open(context.Background(), rs.URL, opt)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return startWith(t, st, serverOptions(st)), rs
}

// eachKind runs f against both store kinds.
func eachKind(t *testing.T, f func(t *testing.T, e *env)) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, start(t, kind))
		})
	}
}

// response is a decoded answer.
type response struct {
	status int
	raw    string
	body   map[string]any
	header http.Header
}

func (r response) code() any { return r.body["code"] }

func do(t testing.TB, method, url string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: res.StatusCode, raw: string(raw), header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, raw)
		}
	}
	return r
}

// check fails the test unless r has the status and, for errors, the code.
func check(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.raw)
	}
	if code != "" && r.code() != code {
		t.Fatalf("code = %v, want %q; body: %s", r.code(), code, r.raw)
	}
	if r.status >= 400 {
		if msg, _ := r.body["error"].(string); msg == "" {
			t.Fatalf("error answer without a sentence: %s", r.raw)
		}
	}
}

// sign returns a v1 signature of body under secret.
func sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// webhookBody is a PagerDuty V3 webhook of type typ for incident Q1ABCDEF.
func webhookBody(id, typ string) []byte {
	return fmt.Appendf(nil, `{"event":{"id":%q,"event_type":%q,"resource_type":"incident",
 "occurred_at":"2026-03-01T10:15:00.123Z","agent":null,"client":null,
 "data":{"id":"Q1ABCDEF","type":"incident","self":"https://api.pagerduty.com/incidents/Q1ABCDEF",
  "html_url":"https://acme.pagerduty.com/incidents/Q1ABCDEF","number":4242,"status":"triggered",
  "incident_key":"db-primary-down","created_at":"2026-03-01T10:15:00Z","title":"Primary DB unreachable",
  "service":{"id":"PSVC123","summary":"Orders API","type":"service_reference"},
  "assignees":[],"escalation_policy":{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"},
  "teams":[],"priority":null,"urgency":"high","conference_bridge":null,"resolve_reason":null}}}`, id, typ)
}

// bearer returns the header map of an authenticated JSON request.
func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

// eventJSON is a valid ContextEvent for service with id (omitted when empty).
func eventJSON(id, service string) string {
	idField := ""
	if id != "" {
		idField = fmt.Sprintf(`"id":%q,`, id)
	}
	return fmt.Sprintf(`{%s"service":%q,"kind":"deploy","source":"argocd","occurred_at":%q,"summary":"rolled out","attributes":{"sha":"a4f2c1"}}`,
		idField, service, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano))
}

// storedEvents returns the events of services stored in the last hour.
func storedEvents(t testing.TB, st *store.Store, services ...string) []noctuary.ContextEvent {
	t.Helper()
	now := time.Now()
	evs, err := st.EventsInWindow(context.Background(), services, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// startWithHandler serves an already built Server and returns its URL.
func startWithHandler(t testing.TB, s *ingest.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

func queued(t testing.TB, st *store.Store) []noctuary.WebhookDelivery {
	t.Helper()
	msgs, err := st.ReadWebhooks(context.Background(), "test", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestWebhookStatuses(t *testing.T) {
	body := webhookBody("EV1", "incident.triggered")
	big := append(bytes.Repeat([]byte(" "), ingest.MaxWebhookBody+1-len(body)), body...)
	tests := []struct {
		name        string
		integration string
		body        []byte
		signature   string
		status      int
		code        string
		stored      int
	}{
		{"good signature", "prod", body, sign(body, secretNew), http.StatusAccepted, "", 1},
		{"old secret during rotation", "prod", body, sign(body, secretOld), http.StatusAccepted, "", 1},
		{"two signatures, second valid", "prod", body, sign(body, "stale") + "," + sign(body, secretNew), http.StatusAccepted, "", 1},
		{"two signatures with a space", "prod", body, sign(body, "stale") + ", " + sign(body, secretNew), http.StatusAccepted, "", 1},
		{"bad signature", "prod", body, sign(body, "wrong"), http.StatusUnauthorized, "unauthorized", 0},
		{"missing signature", "prod", body, "", http.StatusUnauthorized, "unauthorized", 0},
		{"signature of another body", "prod", body, sign([]byte("{}"), secretNew), http.StatusUnauthorized, "unauthorized", 0},
		{"malformed JSON", "prod", []byte(`{"event":`), sign([]byte(`{"event":`), secretNew), http.StatusBadRequest, "invalid", 0},
		{"unknown integration", "staging", body, sign(body, secretNew), http.StatusNotFound, "not_found", 0},
		{"oversize, signed", "prod", big, sign(big, secretNew), http.StatusRequestEntityTooLarge, "too_large", 0},
		{"ping", "prod", webhookBody("PING1", "pagey.ping"), sign(webhookBody("PING1", "pagey.ping"), secretNew), http.StatusAccepted, "", 0},
		{"unused type", "prod", webhookBody("SVC1", "service.updated"), sign(webhookBody("SVC1", "service.updated"), secretNew), http.StatusAccepted, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e *env) {
				h := map[string]string{"Content-Type": "application/json"}
				if tt.signature != "" {
					h["X-PagerDuty-Signature"] = tt.signature
				}
				r := do(t, http.MethodPost, e.url+"/webhooks/pagerduty/"+tt.integration, tt.body, h)
				check(t, r, tt.status, tt.code)
				msgs := queued(t, e.store)
				if len(msgs) != tt.stored {
					t.Fatalf("%d webhooks queued, want %d", len(msgs), tt.stored)
				}
				if tt.stored == 1 {
					got := msgs[0].Event
					if got.ID != "EV1" || got.Integration != "prod" || got.Incident.ID != "Q1ABCDEF" || got.ReceivedAt.IsZero() {
						t.Fatalf("queued event = %+v", got)
					}
				}
			})
		})
	}
}

func TestWebhookOversizeUnsignedWithoutLength(t *testing.T) {
	e := start(t, "embedded")
	// A chunked body (no Content-Length) is cut at the limit while it is read.
	big := strings.Repeat("x", ingest.MaxWebhookBody+1)
	req, err := http.NewRequest(http.MethodPost, e.url+"/webhooks/pagerduty/prod", struct{ *strings.Reader }{strings.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", res.StatusCode)
	}
}

func TestWebhookDuplicateStoredOnce(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		body := webhookBody("EV-DUP", "incident.triggered")
		h := map[string]string{"X-PagerDuty-Signature": sign(body, secretNew)}
		first := do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", body, h)
		check(t, first, http.StatusAccepted, "")
		second := do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", body, h)
		check(t, second, http.StatusAccepted, "")
		if first.body["status"] != "accepted" || second.body["status"] != "duplicate" {
			t.Fatalf("statuses = %v, %v; want accepted, duplicate", first.body["status"], second.body["status"])
		}
		if n := len(queued(t, e.store)); n != 1 {
			t.Fatalf("%d webhooks queued, want 1", n)
		}
	})
}

func TestWebhookRedisDownIs503(t *testing.T) {
	e, redis := startRedis(t)
	redis.Stop()
	body := webhookBody("EV-DOWN", "incident.triggered")
	r := do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", body, map[string]string{"X-PagerDuty-Signature": sign(body, secretNew)})
	check(t, r, http.StatusServiceUnavailable, "unavailable")
	if strings.Contains(r.raw, "127.0.0.1") || strings.Contains(r.raw, "refused") {
		t.Fatalf("the answer leaks the cause: %s", r.raw)
	}
}

// faultyStore fails the calls of the webhook path the way a broken
// dependency would, without a domain error code.
type faultyStore struct {
	*store.Store
	integrationErr, enqueueErr error
}

func (f faultyStore) Integration(ctx context.Context, id string) (noctuary.Integration, error) {
	if f.integrationErr != nil {
		return noctuary.Integration{}, f.integrationErr
	}
	return f.Store.Integration(ctx, id)
}

func (f faultyStore) EnqueueWebhook(ctx context.Context, ev noctuary.WebhookEvent) (bool, error) {
	if f.enqueueErr != nil {
		return false, f.enqueueErr
	}
	return f.Store.EnqueueWebhook(ctx, ev)
}

// failingBody is a request body whose connection breaks mid-read.
type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// TestWebhookFaultsOfOursAre503 checks that whatever breaks on our side is a
// 503, which PagerDuty retries, and never a 4xx, which it drops.
func TestWebhookFaultsOfOursAre503(t *testing.T) {
	body := webhookBody("EV-FAULT", "incident.triggered")
	broken := errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	tests := []struct {
		name   string
		store  faultyStore
		reader io.Reader
	}{
		{"integration lookup fails", faultyStore{integrationErr: broken}, bytes.NewReader(body)},
		{"enqueue fails without a code", faultyStore{enqueueErr: broken}, bytes.NewReader(body)},
		{"enqueue fails as invalid", faultyStore{enqueueErr: noctuary.Errorf(noctuary.EInvalid, "no id")}, bytes.NewReader(body)},
		{"body read fails", faultyStore{}, failingBody{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.store.Store = storetest.Open(t, "embedded", storeOptions())
			h := ingest.New(serverOptions(tt.store)).Handler()
			req := httptest.NewRequest(http.MethodPost, "/webhooks/pagerduty/prod", tt.reader)
			req.Header.Set("X-PagerDuty-Signature", sign(body, secretNew))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503; body: %s", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "refused") || strings.Contains(rec.Body.String(), "reset") {
				t.Fatalf("the answer leaks the cause: %s", rec.Body)
			}
		})
	}
}

package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/store"
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

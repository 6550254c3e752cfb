package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
)

func postEvents(t testing.TB, e *env, token, contentType, body string) response {
	t.Helper()
	h := bearer(token)
	h["Content-Type"] = contentType
	return do(t, http.MethodPost, e.url+"/v1/events", []byte(body), h)
}

func TestEventsShapes(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    int
	}{
		{"object", "application/json", eventJSON("a1", "checkout"), 1},
		{"array", "application/json", "[" + eventJSON("a1", "checkout") + "," + eventJSON("a2", "checkout") + "]", 2},
		{"ndjson", "application/x-ndjson", eventJSON("a1", "checkout") + "\n\n" + eventJSON("a2", "checkout") + "\n" + eventJSON("", "checkout") + "\n", 3},
		{"ndjson with charset", "application/x-ndjson; charset=utf-8", eventJSON("a1", "checkout") + "\r\n" + eventJSON("a2", "checkout"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e *env) {
				r := postEvents(t, e, tokenAll, tt.contentType, tt.body)
				check(t, r, http.StatusAccepted, "")
				if r.body["accepted"] != float64(tt.want) || r.body["duplicates"] != float64(0) {
					t.Fatalf("answer = %s, want %d accepted", r.raw, tt.want)
				}
				if n := len(storedEvents(t, e.store, "checkout")); n != tt.want {
					t.Fatalf("%d events stored, want %d", n, tt.want)
				}
			})
		})
	}
}

func TestEventsAuth(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		body := []byte(eventJSON("", "checkout"))
		for name, h := range map[string]map[string]string{
			"missing":     {},
			"wrong token": bearer("nope"),
			"not bearer":  {"Authorization": "Basic " + tokenAll},
			"empty":       {"Authorization": "Bearer "},
		} {
			r := do(t, http.MethodPost, e.url+"/v1/events", body, h)
			if r.status != http.StatusUnauthorized || r.code() != "unauthorized" {
				t.Errorf("%s: %d %s, want 401 unauthorized", name, r.status, r.raw)
			}
		}
		if n := len(storedEvents(t, e.store, "checkout")); n != 0 {
			t.Fatalf("%d events stored by unauthenticated requests", n)
		}
	})
}

func TestEventsNoTokensConfigured(t *testing.T) {
	st := start(t, "embedded").store
	opt := serverOptions(st)
	opt.IngestTokens = nil
	e := startWith(t, st, opt)
	r := postEvents(t, e, tokenAll, "application/json", eventJSON("", "checkout"))
	check(t, r, http.StatusUnauthorized, "unauthorized")
	if !strings.Contains(r.body["error"].(string), "not configured") {
		t.Fatalf("error = %q, want it to say tokens are not configured", r.body["error"])
	}
}

func TestEventsScopedToken(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		r := postEvents(t, e, tokenScoped, "application/json", eventJSON("", "checkout"))
		check(t, r, http.StatusAccepted, "")
		r = postEvents(t, e, tokenScoped, "application/json", "["+eventJSON("", "checkout")+","+eventJSON("", "payments")+"]")
		check(t, r, http.StatusForbidden, "forbidden")
		wantDetails(t, r, 1)
		r = postEvents(t, e, tokenScoped, "application/json", "["+`{"service":"checkout"}`+","+eventJSON("", "payments")+"]")
		check(t, r, http.StatusBadRequest, "invalid")
		wantDetails(t, r, 0, 1)
		if n := len(storedEvents(t, e.store, "checkout", "payments")); n != 1 {
			t.Fatalf("%d events stored, want 1", n)
		}
	})
}

func TestEventsPagerDutyServiceID(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		err := e.store.PutService(context.Background(), noctuary.Service{
			Key: "checkout", Environment: "prod", Mode: noctuary.ModeReadOnly, PagerDutyServiceIDs: []string{"PABC123"},
		})
		if err != nil {
			t.Fatal(err)
		}
		r := postEvents(t, e, tokenScoped, "application/json", eventJSON("", "PABC123"))
		check(t, r, http.StatusAccepted, "")
		r = postEvents(t, e, tokenAll, "application/json", eventJSON("", "PNOTDECLARED"))
		check(t, r, http.StatusAccepted, "")
		if evs := storedEvents(t, e.store, "checkout"); len(evs) != 1 || evs[0].Service != "checkout" {
			t.Fatalf("stored for checkout: %+v, want one event with service checkout", evs)
		}
		if n := len(storedEvents(t, e.store, "PNOTDECLARED")); n != 1 {
			t.Fatalf("%d events stored under the undeclared key, want 1", n)
		}
	})
}

// wantDetails checks the indices listed in an error answer's details.
func wantDetails(t testing.TB, r response, indices ...int) {
	t.Helper()
	details, _ := r.body["details"].([]any)
	if len(details) != len(indices) {
		t.Fatalf("details = %v, want indices %v", r.body["details"], indices)
	}
	for i, d := range details {
		m := d.(map[string]any)
		if m["index"] != float64(indices[i]) || m["error"] == "" {
			t.Fatalf("details[%d] = %v, want index %d with a sentence", i, m, indices[i])
		}
	}
}

func TestEventsBadItemStoresNothing(t *testing.T) {
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, item, wantText string
	}{
		{"missing kind", `{"service":"checkout","source":"x","occurred_at":"2026-01-01T00:00:00Z"}`, "kind is required"},
		{"future timestamp", `{"service":"checkout","kind":"deploy","source":"x","occurred_at":"` + future + `"}`, "in the future"},
		{"timestamp not RFC 3339", `{"service":"checkout","kind":"deploy","source":"x","occurred_at":"yesterday"}`, "RFC 3339"},
		{"attribute is a number", `{"service":"checkout","kind":"deploy","source":"x","occurred_at":"2026-01-01T00:00:00Z","attributes":{"replicas":3}}`, `attribute "replicas" must be a string`},
		{"attribute is an object", `{"service":"checkout","kind":"deploy","source":"x","occurred_at":"2026-01-01T00:00:00Z","attributes":{"pod":{"name":"a"}}}`, `attribute "pod" must be a string, not an object`},
		{"unknown field", `{"service":"checkout","kind":"deploy","source":"x","occurred_at":"2026-01-01T00:00:00Z","severity":"high"}`, `unknown field "severity"`},
		{"service is a number", `{"service":7,"kind":"deploy","source":"x","occurred_at":"2026-01-01T00:00:00Z"}`, "service must be a string, not a number"},
		{"not an object", `"deploy"`, "must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, func(t *testing.T, e *env) {
				body := "[" + eventJSON("ok-0", "checkout") + "," + tt.item + "," + eventJSON("ok-2", "checkout") + "]"
				r := postEvents(t, e, tokenAll, "application/json", body)
				check(t, r, http.StatusBadRequest, "invalid")
				wantDetails(t, r, 1)
				if got := r.body["details"].([]any)[0].(map[string]any)["error"].(string); !strings.Contains(got, tt.wantText) {
					t.Fatalf("detail = %q, want it to contain %q", got, tt.wantText)
				}
				if want := "1 of 3 events are invalid; nothing was stored."; r.body["error"] != want {
					t.Fatalf("error = %q, want %q", r.body["error"], want)
				}
				if n := len(storedEvents(t, e.store, "checkout")); n != 0 {
					t.Fatalf("%d events stored from a rejected batch", n)
				}
			})
		})
	}
}

func TestEventsDetailsCapped(t *testing.T) {
	e := start(t, "embedded")
	items := make([]string, 150)
	for i := range items {
		items[i] = `{"service":"checkout"}`
	}
	r := postEvents(t, e, tokenAll, "application/json", "["+strings.Join(items, ",")+"]")
	check(t, r, http.StatusBadRequest, "invalid")
	if d := r.body["details"].([]any); len(d) != 100 {
		t.Fatalf("%d details, want 100", len(d))
	}
	if msg := r.body["error"].(string); !strings.HasPrefix(msg, "150 of 150 events are invalid") || !strings.Contains(msg, "first 100") {
		t.Fatalf("error = %q", msg)
	}
}

func TestEventsTooLarge(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		one := eventJSON("", "checkout")
		pad := strings.Repeat(" ", ingest.MaxEventsBody+1-len(one))
		r := postEvents(t, e, tokenAll, "application/json", one+pad)
		check(t, r, http.StatusRequestEntityTooLarge, "too_large")

		var b strings.Builder
		for range ingest.MaxBatchEvents + 1 {
			b.WriteString(`{"service":"checkout","kind":"deploy","source":"x","occurred_at":"2026-01-01T00:00:00Z"}` + "\n")
		}
		r = postEvents(t, e, tokenAll, "application/x-ndjson", b.String())
		check(t, r, http.StatusRequestEntityTooLarge, "too_large")
		if n := len(storedEvents(t, e.store, "checkout")); n != 0 {
			t.Fatalf("%d events stored from oversize requests", n)
		}
	})
}

func TestEventsMaxBatchAccepted(t *testing.T) {
	e := start(t, "redis")
	var b bytes.Buffer
	for i := range ingest.MaxBatchEvents {
		b.WriteString(eventJSON(fmt.Sprint("id-", i), "checkout"))
		b.WriteByte('\n')
	}
	r := postEvents(t, e, tokenAll, "application/x-ndjson", b.String())
	check(t, r, http.StatusAccepted, "")
	if r.body["accepted"] != float64(ingest.MaxBatchEvents) {
		t.Fatalf("answer = %s", r.raw)
	}
}

func TestEventsDuplicatesCounted(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		body := "[" + eventJSON("dup-1", "checkout") + "," + eventJSON("dup-2", "checkout") + "]"
		check(t, postEvents(t, e, tokenAll, "application/json", body), http.StatusAccepted, "")
		body = "[" + eventJSON("dup-1", "checkout") + "," + eventJSON("dup-3", "checkout") + "]"
		r := postEvents(t, e, tokenAll, "application/json", body)
		check(t, r, http.StatusAccepted, "")
		if r.body["accepted"] != float64(1) || r.body["duplicates"] != float64(1) {
			t.Fatalf("answer = %s, want 1 accepted, 1 duplicate", r.raw)
		}
		if n := len(storedEvents(t, e.store, "checkout")); n != 3 {
			t.Fatalf("%d events stored, want 3", n)
		}
	})
}

func TestEventsRedisDownIs503(t *testing.T) {
	e, redis := startRedis(t)
	redis.Stop()
	for _, svc := range []string{"checkout", "PABC123"} {
		r := postEvents(t, e, tokenAll, "application/json", eventJSON("", svc))
		check(t, r, http.StatusServiceUnavailable, "unavailable")
	}
}

func TestEventsMalformedBody(t *testing.T) {
	e := start(t, "embedded")
	for name, body := range map[string]string{
		"empty":            "",
		"blank":            " \n ",
		"empty array":      "[]",
		"truncated":        `[` + eventJSON("", "checkout") + `,{"service":`,
		"syntax":           eventJSON("", "checkout") + "\n{nope}",
		"after the array":  `[` + eventJSON("", "checkout") + `] {}`,
		"unterminated [":   `[`,
		"array in ndjson?": `[[1]]`,
	} {
		r := postEvents(t, e, tokenAll, "application/json", body)
		if r.status != http.StatusBadRequest || r.code() != "invalid" {
			t.Errorf("%s: %d %s, want 400 invalid", name, r.status, r.raw)
		}
	}
}

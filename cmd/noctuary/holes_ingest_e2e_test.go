package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func postRaw(e *env, body string) (int, map[string]any) {
	e.t.Helper()
	return e.do("POST", "/v1/events", []byte(body), map[string]string{
		"Content-Type": "application/x-ndjson", "Authorization": "Bearer " + testIngestToken})
}

func rawEvent(id, service, extra string) string {
	return fmt.Sprintf(`{"id":%q,"service":%q,"kind":"deploy","source":"ci","occurred_at":%q%s}`,
		id, service, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339), extra)
}

// TestInvalidUTF8RefusedThroughMain: an event whose summary is not UTF-8 is
// refused with a sentence naming the field and its index; nothing is stored.
func TestInvalidUTF8RefusedThroughMain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	status, out := postRaw(e, rawEvent("ok-1", "checkout", "")+"\n"+rawEvent("bad-1", "checkout", `,"summary":"caf`+"\xe9"+`"`))
	details, _ := out["details"].([]any)
	if status != http.StatusBadRequest || len(details) != 1 {
		t.Fatalf("answer %d %v, want 400 with one detail", status, out)
	}
	d, _ := details[0].(map[string]any)
	if d["index"] != 1.0 || d["error"] != "summary is not valid UTF-8" {
		t.Fatalf("detail = %v", d)
	}
}

// TestBatchFailingHalfWayThroughMain: with a real redis-server refusing one
// service's writes, a two-service batch answers 503 naming what was stored,
// and the other service's events are there.
func TestBatchFailingHalfWayThroughMain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if status, out := postRaw(e, rawEvent("pay-0", "payments", "")); status != http.StatusAccepted {
		t.Fatalf("first payments event: %d %v", status, out)
	}
	rdb := e.rawRedis()
	ctx := context.Background()
	keys := rdb.Keys(ctx, "*events*{payments}*").Val()
	if len(keys) == 0 {
		t.Fatal("no event keys of payments to break")
	}
	for _, k := range keys {
		rdb.Set(ctx, k, "not a set", 0) // WRONGTYPE for every write of payments' events
	}
	status, out := postRaw(e, strings.Join([]string{rawEvent("co-0", "checkout", ""), rawEvent("pay-1", "payments", ""), rawEvent("co-1", "checkout", "")}, "\n"))
	notStored, _ := out["not_stored"].([]any)
	if status != http.StatusServiceUnavailable || out["accepted"] != 2.0 || len(notStored) != 1 || notStored[0] != 1.0 {
		t.Fatalf("answer %d %v, want 503 with accepted 2 and not_stored [1]", status, out)
	}
	now := time.Now()
	evs, err := e.main.Store.EventsInWindow(ctx, []string{"checkout"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil || len(evs) != 2 {
		t.Fatalf("%d checkout events stored (%v), want 2", len(evs), err)
	}
}

package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// breakService makes every Redis key of service's events a string, so that
// storing its events fails (WRONGTYPE) while other services' succeed: a real
// store failure half-way through a multi-service batch.
func breakService(t *testing.T, redisURL, service string) (repair func()) {
	t.Helper()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*{"+service+"}*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no keys of %s to break (%v)", service, err)
	}
	for _, k := range keys {
		if err := rdb.Set(ctx, k, "broken", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return func() { rdb.Del(ctx, keys...) }
}

// TestEventsBatchFailingHalfWay: when the store fails for one service of a
// batch, the 503 says how many events were stored and lists the indexes of
// those that were not; sending those again stores them, and sending the
// whole batch again stores nothing twice.
func TestEventsBatchFailingHalfWay(t *testing.T) {
	e, rs := startRedis(t)
	check(t, postEvents(t, e, tokenAll, "application/json", eventJSON("first", "payments")), http.StatusAccepted, "")
	repair := breakService(t, rs.URL, "payments")

	lines := []string{eventJSON("c0", "checkout"), eventJSON("p0", "payments"), eventJSON("c1", "checkout"), eventJSON("p1", "payments")}
	batch := strings.Join(lines, "\n")
	r := postEvents(t, e, tokenAll, "application/x-ndjson", batch)
	check(t, r, http.StatusServiceUnavailable, "unavailable")
	if msg := r.body["error"].(string); !strings.Contains(msg, "2 of 4 events were stored (2 new, 0 duplicates)") || strings.Contains(msg, "nothing was stored") {
		t.Errorf("error = %q", msg)
	}
	if r.body["accepted"] != 2.0 || r.body["duplicates"] != 0.0 || !equalIndexes(r.body["not_stored"], 1, 3) {
		t.Fatalf("answer = %s, want accepted 2 and not_stored [1,3]", r.raw)
	}
	if n := len(storedEvents(t, e.store, "checkout")); n != 2 {
		t.Fatalf("%d checkout events stored, want 2", n)
	}

	only := postEvents(t, e, tokenAll, "application/x-ndjson", eventJSON("p2", "payments"))
	check(t, only, http.StatusServiceUnavailable, "unavailable")
	if msg := only.body["error"].(string); !strings.Contains(msg, "nothing was stored") {
		t.Errorf("a batch of the failing service only: %q", msg)
	}

	repair()
	r = postEvents(t, e, tokenAll, "application/x-ndjson", lines[1]+"\n"+lines[3])
	if r.status != http.StatusAccepted || r.body["accepted"] != 2.0 {
		t.Fatalf("retry of not_stored: %s", r.raw)
	}
	r = postEvents(t, e, tokenAll, "application/x-ndjson", batch)
	if r.status != http.StatusAccepted || r.body["accepted"] != 0.0 || r.body["duplicates"] != 4.0 {
		t.Fatalf("retry of the whole batch: %s, want 4 duplicates", r.raw)
	}
}

func equalIndexes(v any, want ...int) bool {
	got, _ := v.([]any)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != float64(want[i]) {
			return false
		}
	}
	return true
}

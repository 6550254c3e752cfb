package ingest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store/storetest"
)

// TestSourceItemsBeyondRetentionNamedNotRefused: an alert that has been
// firing for longer than the retention is not stored (it could never be
// correlated) but does not refuse the payload either, or Alertmanager would
// lose the new alerts of its group: the answer names it under "expired",
// the others are stored, and the metric counts it.
func TestSourceItemsBeyondRetentionNamedNotRefused(t *testing.T) {
	firing := golden(t, "alertmanager/firing_by_job.golden.json")
	at := firing.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), amSource("job"))
	old := at.Add(-80 * time.Hour).Format(time.RFC3339Nano)
	body := strings.Replace(string(payload(t, "alertmanager/firing.json")), "2019-09-27T16:27:56.612666101Z", old, 1)

	r := do(t, http.MethodPost, e.url+"/v1/events/alertmanager", []byte(body), bearer(tokenAll))
	check(t, r, 202, "")
	var got struct {
		Accepted, Duplicates int
		Unmapped, Expired    []string
	}
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil {
		t.Fatalf("answer %s: %v", r.raw, err)
	}
	if got.Accepted != 2 || got.Duplicates != 0 || len(got.Unmapped) != 0 || len(got.Expired) != 1 {
		t.Fatalf("answer %s, want 2 accepted and 1 expired", r.raw)
	}
	if want := "beyond the event retention"; !strings.Contains(got.Expired[0], want) || !strings.Contains(got.Expired[0], "blackbox-icmp") {
		t.Fatalf("expired %q does not name the service and the retention", got.Expired[0])
	}
	checkStored(t, e, at, firing.Events[1:], "blackbox-icmp")
	m := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	if line := `noctuary_source_items_expired_total{source="alertmanager"} 1`; !strings.Contains(m.raw, line) {
		t.Fatalf("metrics lack %s", line)
	}
}

// TestSourceAnswerOmitsEmptyExpired: the answer of a payload with nothing
// expired keeps its documented shape.
func TestSourceAnswerOmitsEmptyExpired(t *testing.T) {
	firing := golden(t, "alertmanager/firing_by_job.golden.json")
	at := firing.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), amSource("job"))
	r := do(t, http.MethodPost, e.url+"/v1/events/alertmanager", payload(t, "alertmanager/firing.json"), bearer(tokenAll))
	var got map[string]any
	_ = json.Unmarshal([]byte(r.raw), &got)
	if want := map[string]any{"accepted": 3.0, "duplicates": 0.0, "unmapped": []any{}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("answer %s, want %v", r.raw, want)
	}
}

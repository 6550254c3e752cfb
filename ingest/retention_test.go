package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestEventsOlderThanRetentionRefused: an event that occurred before the
// retention is refused with a sentence at its index and its batch is not
// stored; a late one within the retention is stored.
func TestEventsOlderThanRetentionRefused(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration
		age       time.Duration // how long before now the middle event occurred
		want      string        // "" = accepted; else part of the detail at index 1
	}{
		{"two hours late", store.DefaultEventRetention, 2 * time.Hour, ""},
		{"a minute inside the retention", store.DefaultEventRetention, store.DefaultEventRetention - time.Minute, ""},
		{"a minute beyond the retention", store.DefaultEventRetention, store.DefaultEventRetention + time.Minute, "is more than 72h in the past, beyond the event retention"},
		{"a year old", store.DefaultEventRetention, 365 * 24 * time.Hour, "beyond the event retention"},
		{"beyond a short retention", 90 * time.Minute, 2 * time.Hour, "is more than 1h30m in the past"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, kind := range storetest.Kinds {
				t.Run(kind, func(t *testing.T) {
					t.Parallel()
					sopt := storeOptions()
					sopt.EventRetention = tt.retention
					st := storetest.Open(t, kind, sopt)
					opt := serverOptions(st)
					opt.EventRetention = tt.retention
					e := startWith(t, st, opt)
					now := time.Now()
					item := fmt.Sprintf(`{"id":"late","service":"checkout","kind":"deploy","source":"argocd","occurred_at":%q}`,
						now.Add(-tt.age).UTC().Format(time.RFC3339Nano))
					r := postEvents(t, e, tokenAll, "application/json", "["+eventJSON("ok-0", "checkout")+","+item+","+eventJSON("ok-2", "checkout")+"]")
					evs, err := st.EventsInWindow(context.Background(), []string{"checkout"}, now.Add(-400*24*time.Hour), now)
					if err != nil {
						t.Fatal(err)
					}
					if tt.want == "" {
						check(t, r, http.StatusAccepted, "")
						if len(evs) != 3 {
							t.Fatalf("%d events stored, want 3", len(evs))
						}
						return
					}
					check(t, r, http.StatusBadRequest, "invalid")
					wantDetails(t, r, 1)
					if got := r.body["details"].([]any)[0].(map[string]any)["error"].(string); !strings.Contains(got, tt.want) {
						t.Fatalf("detail = %q, want it to contain %q", got, tt.want)
					}
					if len(evs) != 0 {
						t.Fatalf("%d events stored from a refused batch", len(evs))
					}
				})
			}
		})
	}
}

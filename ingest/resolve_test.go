package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// lookupStore answers ServiceByPagerDutyID from a map and counts the calls.
type lookupStore struct {
	Store
	keys  map[string]string
	calls int
}

func (l *lookupStore) ServiceByPagerDutyID(_ context.Context, id string) (noctuary.Service, error) {
	l.calls++
	if key, ok := l.keys[id]; ok {
		return noctuary.Service{Key: key}, nil
	}
	return noctuary.Service{}, noctuary.Errorf(noctuary.ENotFound, "no service is bound to %q", id)
}

func TestServiceCache(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	st := &lookupStore{keys: map[string]string{"PABC123": "checkout"}}
	sc := newServiceCache(st, func() time.Time { return now }, time.Minute)
	ctx := context.Background()
	steps := []struct {
		in, want string
		calls    int
	}{
		{"checkout", "checkout", 0}, // not an ID: no lookup
		{"PABC123", "checkout", 1},
		{"PABC123", "checkout", 1}, // cached
		{"PNONE", "PNONE", 2},
		{"PNONE", "PNONE", 2}, // absence cached too
	}
	for _, s := range steps {
		got, err := sc.key(ctx, s.in)
		if err != nil || got != s.want || st.calls != s.calls {
			t.Fatalf("key(%q) = %q, %v after %d lookups; want %q after %d", s.in, got, err, st.calls, s.want, s.calls)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := sc.key(ctx, "PABC123"); err != nil || st.calls != 3 {
		t.Fatalf("after the TTL: %v, %d lookups; want a new lookup", err, st.calls)
	}
}

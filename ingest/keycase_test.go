package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestKeyCaseWarnings: events whose service differs from a declared key
// only by case are stored as sent and answered with a warning naming the
// declared key, once per name; declared keys, other names and PagerDuty IDs
// of declared services get none. A service declared later is warned of once
// the declared keys are read again, within a minute.
func TestKeyCaseWarnings(t *testing.T) {
	st := storetest.Open(t, "redis", storeOptions())
	ctx := context.Background()
	put := func(key string) {
		t.Helper()
		svc := noctuary.Service{Key: key, Environment: "prod", PagerDutyServiceIDs: []string{"P" + strings.ToUpper(strings.ReplaceAll(key, "-", ""))}, Mode: noctuary.ModeReadOnly}
		if err := st.PutService(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	put("checkout")
	var ahead atomic.Int64 // how far the server's clock is ahead of the real one
	opt := serverOptions(st)
	opt.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	e := startWith(t, st, opt)
	warnings := func(services ...string) []string {
		t.Helper()
		var lines []string
		for _, svc := range services {
			lines = append(lines, eventJSON("", svc))
		}
		r := postEvents(t, e, tokenAll, "application/x-ndjson", strings.Join(lines, "\n"))
		check(t, r, 202, "")
		if n := r.body["accepted"]; n != float64(len(services)) {
			t.Fatalf("accepted %v of %d: %s", n, len(services), r.raw)
		}
		var out []string
		w, _ := r.body["warnings"].([]any)
		for _, s := range w {
			out = append(out, s.(string))
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		services []string
		want     []string // the services warned of, in order
	}{
		{"declared key", []string{"checkout"}, nil},
		{"other name", []string{"search"}, nil},
		{"PagerDuty ID of a declared service", []string{"PCHECKOUT"}, nil},
		{"upper case first letter", []string{"Checkout"}, []string{"Checkout"}},
		{"all upper case, not a PagerDuty ID", []string{"CHECKOUT"}, []string{"CHECKOUT"}},
		{"warned once per name", []string{"Checkout", "checkout", "Checkout", "CheckOut", "Checkout"}, []string{"Checkout", "CheckOut"}},
		{"not yet declared", []string{"Payments-API"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := warnings(tc.services...)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %q, want one each for %q", got, tc.want)
			}
			for i, svc := range tc.want {
				if want := fmt.Sprintf("Service %q is not declared; %q is", svc, "checkout"); !strings.HasPrefix(got[i], want) {
					t.Errorf("warning %d = %q, want it to begin %q", i, got[i], want)
				}
			}
		})
	}
	if n := len(storedEvents(t, st, "Checkout")); n != 4 {
		t.Errorf("%d events stored under %q, want 4: warned events are stored as sent", n, "Checkout")
	}

	put("payments-api")
	if got := warnings("Payments-API"); got != nil {
		t.Fatalf("warnings %q at once after payments-api was declared: the declared keys are read at most once a minute", got)
	}
	ahead.Store(int64(2 * time.Minute))
	if got := warnings("Payments-API"); len(got) != 1 || !strings.Contains(got[0], `"payments-api" is`) {
		t.Fatalf("warnings %q a minute after payments-api was declared, want one naming it", got)
	}
}

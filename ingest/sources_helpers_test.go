package ingest_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
	"github.com/noctuary/noctuary/store/storetest"
)

// sourceEnv is a server with the given sources over an embedded store,
// both on clk: a real payload's dates are in the past, so the clock is set
// from the payload, never from the calendar.
func sourceEnv(t testing.TB, clk *storetest.Clock, srcs ...ingest.Source) *env {
	t.Helper()
	so := storeOptions()
	so.Now = clk.Now
	st := storetest.Open(t, "embedded", so)
	opt := serverOptions(st)
	opt.Now = clk.Now
	opt.Sources = srcs
	return startWith(t, st, opt)
}

// golden reads a translation's golden file of package sources.
func golden(t testing.TB, name string) sources.Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("sources", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var res sources.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// payload reads a sample payload of package sources.
func payload(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("sources", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkStored fails unless the events of services stored within a day of
// at are exactly want (compared in time, then id order).
func checkStored(t testing.TB, e *env, at time.Time, want []noctuary.ContextEvent, services ...string) {
	t.Helper()
	got, err := e.store.EventsInWindow(t.Context(), services, at.Add(-24*time.Hour), at.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	order := func(a, b noctuary.ContextEvent) int {
		return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(a.ID, b.ID))
	}
	slices.SortFunc(got, order)
	want = slices.Clone(want)
	slices.SortFunc(want, order)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("stored events:\n%s\nwant:\n%s", g, w)
	}
}

// checkCounts fails unless r is 202 {"accepted":a,"duplicates":d,"unmapped":unmapped}.
func checkCounts(t testing.TB, r response, a, d int, unmapped []string) {
	t.Helper()
	check(t, r, 202, "")
	want, _ := json.Marshal(map[string]any{"accepted": a, "duplicates": d, "unmapped": unmapped})
	var got, exp any
	_ = json.Unmarshal([]byte(r.raw), &got)
	_ = json.Unmarshal(want, &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("answer %s, want %s", r.raw, want)
	}
}

// refusal is a request a source's endpoint must refuse: its status, code,
// and a part of its error sentence.
type refusal struct {
	name   string
	body   string
	header map[string]string
	status int
	code   string
	reason string
}

// checkRefusals posts each case to url and checks its refusal.
func checkRefusals(t *testing.T, url string, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodPost, url, []byte(tc.body), tc.header)
			check(t, r, tc.status, tc.code)
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, tc.reason) {
				t.Fatalf("error %q lacks %q", msg, tc.reason)
			}
		})
	}
}

// checkUnmappedMetric fails unless source's unmapped items number n.
func checkUnmappedMetric(t testing.TB, e *env, source string, n int) {
	t.Helper()
	m := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	if line := fmt.Sprintf("noctuary_source_items_unmapped_total{source=%q} %d", source, n); !strings.Contains(m.raw, line) {
		t.Fatalf("metrics lack %s", line)
	}
}

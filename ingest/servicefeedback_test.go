package ingest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

// voteOn records votes on checkout's hypotheses: two right (heuristic), one
// wrong (gemini-2.5-flash).
func voteOn(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if err := e.store.PutService(ctx, noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeReadOnly, LLM: true}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []noctuary.Vote{
		{Service: "checkout", TriageID: "tr_1", Engine: "heuristic", User: "U1", Right: true},
		{Service: "checkout", TriageID: "tr_1", Engine: "heuristic", User: "U2", Right: true},
		{Service: "checkout", TriageID: "tr_2", Engine: "gemini-2.5-flash", User: "U1"},
	} {
		if err := e.store.RecordFeedback(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminService(t *testing.T) {
	eachKind(t, func(t *testing.T, e *env) {
		voteOn(t, e)
		url := e.url + "/api/v1/services/"
		check(t, do(t, http.MethodGet, url+"checkout", nil, nil), http.StatusUnauthorized, "unauthorized")
		check(t, do(t, http.MethodGet, url+"check%20out", nil, bearer(tokenAdmin)), http.StatusBadRequest, "invalid")
		check(t, do(t, http.MethodGet, url+"payments", nil, bearer(tokenAdmin)), http.StatusNotFound, "not_found")
		r := do(t, http.MethodGet, url+"checkout", nil, bearer(tokenAdmin))
		check(t, r, http.StatusOK, "")
		window := `{"all":{"right":2,"wrong":1,"precision":0.6666666666666666},
			"engines":{"gemini-2.5-flash":{"right":0,"wrong":1,"precision":0},"heuristic":{"right":2,"wrong":0,"precision":1}}`
		want := `[` + window + `,"days":30},` + window + `,"days":90}]`
		if got := compact(t, r.body["precision"]); got != compact(t, json.RawMessage(want)) {
			t.Errorf("precision = %s\nwant %s", got, compact(t, json.RawMessage(want)))
		}
		if svc, _ := r.body["service"].(map[string]any); svc["key"] != "checkout" || svc["mode"] != "read-only" {
			t.Errorf("service = %v", r.body["service"])
		}
	})
}

// A service without votes has null precisions, never a division by zero.
func TestAdminServiceNoVotes(t *testing.T) {
	e := start(t, "embedded")
	if err := e.store.PutService(context.Background(), noctuary.Service{Key: "payments", Environment: "prod", Mode: noctuary.ModeReadOnly}); err != nil {
		t.Fatal(err)
	}
	r := do(t, http.MethodGet, e.url+"/api/v1/services/payments", nil, bearer(tokenAdmin))
	check(t, r, http.StatusOK, "")
	want := `[{"days":30,"all":{"right":0,"wrong":0,"precision":null},"engines":{}},{"days":90,"all":{"right":0,"wrong":0,"precision":null},"engines":{}}]`
	if got := compact(t, r.body["precision"]); got != compact(t, json.RawMessage(want)) {
		t.Errorf("precision = %s\nwant %s", got, want)
	}
}

// compact is v as JSON with sorted keys.
func compact(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(generic)
	return string(out)
}

// The metric: votes and precision per service, engine and window, read
// from the store at each scrape.
func TestFeedbackMetrics(t *testing.T) {
	e := start(t, "redis")
	voteOn(t, e)
	r := do(t, http.MethodGet, e.url+"/metrics", nil, nil)
	for _, line := range []string{
		`noctuary_hypothesis_precision{engine="heuristic",service="checkout",window="30d"} 1`,
		`noctuary_hypothesis_precision{engine="gemini-2.5-flash",service="checkout",window="90d"} 0`,
		`noctuary_feedback_votes{engine="heuristic",service="checkout",verdict="right",window="90d"} 2`,
		`noctuary_feedback_votes{engine="gemini-2.5-flash",service="checkout",verdict="wrong",window="30d"} 1`,
	} {
		if !strings.Contains(r.raw, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	if n := strings.Count(r.raw, "\nnoctuary_hypothesis_precision{"); n != 4 {
		t.Errorf("%d precision series, want 4 (2 engines × 2 windows)", n)
	}
}

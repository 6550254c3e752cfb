package ingest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
	"github.com/noctuary/noctuary/store/storetest"
)

var pdChangeSource = ingest.Source{Name: "pagerduty-change", Translator: sources.PagerDutyChange{RoutingKeys: map[noctuary.Secret]string{
	"samplekeyhere": "acme-build", "abc123abc123abc123abc123abc123ab": "checkout"}}}

func TestPagerDutyChangeStored(t *testing.T) {
	for _, name := range []string{"docs_example", "ansible_deploy"} {
		t.Run(name, func(t *testing.T) {
			want := golden(t, "pagerduty_change/"+name+".golden.json").Events[0]
			e := sourceEnv(t, storetest.NewClock(want.OccurredAt.Add(time.Minute)), pdChangeSource)
			url := e.url + "/v1/events/pagerduty-change"
			body := payload(t, "pagerduty_change/"+name+".json")
			checkCounts(t, do(t, http.MethodPost, url, body, map[string]string{"Content-Type": "application/json"}), 1, 0, []string{})
			// A tool that retries sends the same body: stored once.
			checkCounts(t, do(t, http.MethodPost, url, body, nil), 0, 1, []string{})
			checkStored(t, e, want.OccurredAt, []noctuary.ContextEvent{want}, want.Service)
		})
	}
}

func TestPagerDutyChangeUndatedAndRefused(t *testing.T) {
	clk := storetest.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	e := sourceEnv(t, clk, pdChangeSource)
	url := e.url + "/v1/events/pagerduty-change"
	undated := []byte(`{"routing_key":"abc123abc123abc123abc123abc123ab","payload":{"summary":"checkout deployed","source":"ci"}}`)
	checkCounts(t, do(t, http.MethodPost, url, undated, nil), 1, 0, []string{})
	want := noctuary.ContextEvent{ID: "", Service: "checkout", Kind: "deploy", Source: "pagerduty_change", OccurredAt: clk.Now(),
		Summary: "checkout deployed", Attributes: map[string]string{"origin": "ci"}}
	got := storedEvents(t, e.store, "checkout")
	if len(got) != 1 {
		t.Fatalf("stored %v", got)
	}
	want.ID = got[0].ID
	checkStored(t, e, clk.Now(), []noctuary.ContextEvent{want}, "checkout")

	check(t, do(t, http.MethodPost, url, []byte(`{"routing_key":"R0UNDECLARED","payload":{"summary":"x"}}`), nil), http.StatusUnauthorized, noctuary.EUnauthorized)
	check(t, do(t, http.MethodPost, url, []byte(`{"payload":{"summary":"x"}}`), nil), http.StatusUnauthorized, noctuary.EUnauthorized)
	check(t, do(t, http.MethodPost, url, []byte(`{"routing_key":"samplekeyhere","payload":{"summary":"x","timestamp":"yesterday"}}`), nil), http.StatusBadRequest, noctuary.EInvalid)
	check(t, do(t, http.MethodPost, url, []byte(`not json`), nil), http.StatusBadRequest, noctuary.EInvalid)
}

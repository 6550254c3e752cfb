package actions

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
)

// TestRunsCounted: every run is counted once, after its retries, by action
// and outcome.
func TestRunsCounted(t *testing.T) {
	status := http.StatusOK
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(hook.Close)
	reg := prometheus.NewRegistry()
	r := New(Options{Metrics: NewMetrics(reg), RetryDelay: time.Millisecond})
	run := func(name string, destructive bool) {
		r.Run(context.Background(), noctuary.ActionRequest{Action: noctuary.ActionSpec{Name: name, Webhook: hook.URL, Secret: "s", Destructive: destructive}, AuditID: "a1"})
	}
	run("flush", false)
	status = http.StatusBadGateway
	run("flush", false) // three attempts, one run
	status = http.StatusConflict
	run("rollback", true)
	run("down", true)
	hook.Close()
	run("down", true)
	got := map[string]float64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := f.GetName()
			for _, l := range m.GetLabel() {
				labels += " " + l.GetName() + "=" + l.GetValue()
			}
			got[labels] = m.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"noctuary_actions_total action=flush outcome=ok": 1, "noctuary_actions_total action=flush outcome=5xx": 1,
		"noctuary_actions_total action=rollback outcome=4xx": 1, "noctuary_actions_total action=down outcome=4xx": 1,
		"noctuary_actions_total action=down outcome=error": 1,
	}
	if !maps.Equal(got, want) {
		t.Errorf("counted %v\nwant %v", got, want)
	}
}

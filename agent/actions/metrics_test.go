package actions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/noctuary/noctuary"
)

// TestRunsCounted: every run is counted once, after its retries, by action
// and outcome.
func TestRunsCounted(t *testing.T) {
	status := http.StatusOK
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(hook.Close)
	m := NewMetrics(prometheus.NewRegistry())
	r := New(Options{Metrics: m, RetryDelay: time.Millisecond})
	run := func(name string, destructive bool) {
		r.Run(context.Background(), Request{Action: noctuary.ActionSpec{Name: name, Webhook: hook.URL, Secret: "s", Destructive: destructive}, AuditID: "a1"})
	}
	run("flush", false)
	status = http.StatusBadGateway
	run("flush", false) // three attempts, one run
	status = http.StatusConflict
	run("rollback", true)
	run("down", true)
	hook.Close()
	run("down", true)
	for _, c := range []struct {
		action, outcome string
		want            float64
	}{{"flush", "ok", 1}, {"flush", "5xx", 1}, {"rollback", "4xx", 1}, {"down", "4xx", 1}, {"down", "error", 1}} {
		var d dto.Metric
		if err := m.Runs.WithLabelValues(c.action, c.outcome).Write(&d); err != nil {
			t.Fatal(err)
		}
		if got := d.GetCounter().GetValue(); got != c.want {
			t.Errorf("noctuary_actions_total{action=%q,outcome=%q} = %v, want %v", c.action, c.outcome, got, c.want)
		}
	}
}

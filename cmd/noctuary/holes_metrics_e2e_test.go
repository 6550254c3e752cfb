package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd/pdtest"
)

// metricSum adds up the samples on /metrics of the metric name whose labels
// contain every one of labels (such as `status="429"`).
func (e *env) metricSum(name string, labels ...string) float64 {
	e.t.Helper()
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		series, value := line[:max(i, 0)], line[i+1:]
		if !strings.HasPrefix(series, name+"{") {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(series, l)
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil && match {
			sum += f
		}
	}
	return sum
}

// metricLines returns the lines of /metrics about name.
func (e *env) metricLines(name string) string {
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var out strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), name) {
			out.WriteString(sc.Text() + "\n")
		}
	}
	return out.String()
}

// waitMetric waits until metricSum reaches at least want.
func (e *env) waitMetric(want float64, name string, labels ...string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.metricSum(name, labels...) < want {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s%v = %v, want at least %v; /metrics has:\n%s", name, labels, e.metricSum(name, labels...), want, e.metricLines(name))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLLMFallbackCounted: Gemini answering 429 makes the heuristic note,
// counted as noctuary_llm_fallbacks_total{reason="rate_limited"}.
func TestLLMFallbackCounted(t *testing.T) {
	t.Parallel()
	gemini := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}})
	}))
	t.Cleanup(gemini.Close)
	e := newEnv(t, func(c *config.Config) {
		c.Gemini.APIKey, c.Gemini.BaseURL, c.Gemini.Model = "gemini-test-key", gemini.URL, "gemini-test"
	})
	at := onsetAt()
	e.sendEvents(seedEvents(at, "llm-")...)
	e.sendWebhook(webhook("EV-LLM429", noctuary.EventIncidentTriggered, "QLLM429", "PCHECKOUT", at))
	notes := e.waitNotes("QLLM429", 1, 10*time.Second)
	mustContain(t, notes[0].Content, "Engine: heuristic")
	e.waitMetric(1, "noctuary_llm_fallbacks_total", `reason="rate_limited"`)
}

// TestPagerDutyRequestsCounted: a 429 and a 5xx from PagerDuty, then the
// note, are counted by operation and status class.
func TestPagerDutyRequestsCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.pd.FailNext(pdtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "1"}, pdtest.Failure{Status: http.StatusBadGateway})
	e.sendWebhook(webhook("EV-PD429", noctuary.EventIncidentTriggered, "QPD429", "PCHECKOUT", onsetAt()))
	e.waitNotes("QPD429", 1, 15*time.Second)
	e.waitMetric(1, "noctuary_pagerduty_requests_total", `status="429"`)
	e.waitMetric(1, "noctuary_pagerduty_requests_total", `status="5xx"`)
	e.waitMetric(1, "noctuary_pagerduty_requests_total", `op="POST /incidents/{id}/notes"`, `status="2xx"`)
}

// TestSlackJobFailuresCounted: while Slack is down the mirror job fails and
// is counted as retried; once Slack is back it is done.
func TestSlackJobFailuresCounted(t *testing.T) {
	t.Parallel()
	fake := newFakeSlack(t)
	fake.setDown(true)
	e := newEnv(t, withSlack(fake))
	e.sendWebhook(webhook("EV-SLACKDOWN", noctuary.EventIncidentTriggered, "QSLACKDOWN", "PCHECKOUT", onsetAt()))
	e.waitNotes("QSLACKDOWN", 1, 10*time.Second)
	e.waitMetric(1, "noctuary_slack_jobs_total", `outcome="retried"`)
	fake.setDown(false)
	e.waitMetric(1, "noctuary_slack_jobs_total", `outcome="done"`)
}

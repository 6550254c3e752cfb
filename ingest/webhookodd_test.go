package ingest_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary/internal/logtest"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestWebhookOddFieldsAccepted: a triggered webhook whose priority is a
// string and whose escalation_policy is an array is answered 202 and
// queued (PagerDuty would drop a 400 and disable the subscription after
// three); each odd field is counted and logged once at WARN with the event
// id, and not again for PagerDuty's retry of the same event.
func TestWebhookOddFieldsAccepted(t *testing.T) {
	st := storetest.Open(t, "redis", storeOptions())
	var logs logtest.Buffer
	opt := serverOptions(st)
	opt.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	e := startWith(t, st, opt)
	body := bytes.Replace(webhookBody("EVODD", "incident.triggered"), []byte(`"priority":null`), []byte(`"priority":"P1"`), 1)
	body = bytes.Replace(body, []byte(`"escalation_policy":{"id":"PEP1","type":"escalation_policy_reference","summary":"Default"}`),
		[]byte(`"escalation_policy":[{"id":"PEP1"}]`), 1)
	h := map[string]string{"Content-Type": "application/json", "X-PagerDuty-Signature": sign(body, secretNew)}
	for range 2 {
		check(t, do(t, http.MethodPost, e.url+"/webhooks/pagerduty/prod", body, h), http.StatusAccepted, "")
	}
	msgs := queued(t, e.store)
	if len(msgs) != 1 || msgs[0].Event.Incident.ID != "Q1ABCDEF" || msgs[0].Event.Incident.Service.ID != "PSVC123" ||
		msgs[0].Event.Incident.EscalationPolicy.ID != "" || msgs[0].Event.Incident.Priority.ID != "" {
		t.Fatalf("queued %+v", msgs)
	}
	var warned []string
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == "WARN" && rec["event"] == "EVODD" {
			warned = append(warned, rec["field"].(string))
		}
	}
	if strings.Join(warned, ",") != "data.escalation_policy,data.priority" {
		t.Errorf("warned about %q, want data.escalation_policy and data.priority once each; log:\n%s", warned, logs.String())
	}
	if strings.Contains(logs.String(), "P1") {
		t.Errorf("a field's value was logged:\n%s", logs.String())
	}
	families, err := opt.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counted := map[string]float64{}
	for _, f := range families {
		if f.GetName() == "noctuary_webhook_odd_fields_total" {
			for _, m := range f.GetMetric() {
				counted[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	if len(counted) != 2 || counted["data.priority"] != 1 || counted["data.escalation_policy"] != 1 {
		t.Errorf("noctuary_webhook_odd_fields_total = %v, want data.priority and data.escalation_policy once each", counted)
	}
}

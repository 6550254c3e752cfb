package ingest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
	"github.com/noctuary/noctuary/store/storetest"
)

// amSource is the Alertmanager endpoint with the service in label.
func amSource(label string) ingest.Source {
	return ingest.Source{Name: "alertmanager", Bearer: true, Translator: sources.Alertmanager{ServiceLabel: label}}
}

func TestAlertmanagerStored(t *testing.T) {
	for _, tc := range []struct{ label, payload, golden string }{
		{"job", "alertmanager/firing.json", "alertmanager/firing_by_job.golden.json"},
		{"deployment", "alertmanager/resolved.json", "alertmanager/resolved.golden.json"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			want := golden(t, tc.golden)
			at := want.Events[0].OccurredAt
			e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), amSource(tc.label))
			body := payload(t, tc.payload)
			url := e.url + "/v1/events/alertmanager"
			checkCounts(t, do(t, http.MethodPost, url, body, bearer(tokenAll)), len(want.Events), 0, []string{})
			checkStored(t, e, at, want.Events, want.Events[0].Service)
			// Alertmanager repeats a group's notification: each alert is stored once.
			checkCounts(t, do(t, http.MethodPost, url, body, bearer(tokenAll)), 0, len(want.Events), []string{})
			checkStored(t, e, at, want.Events, want.Events[0].Service)
		})
	}
}

func TestAlertmanagerUnmapped(t *testing.T) {
	want := golden(t, "alertmanager/firing_unmapped.golden.json")
	firing := golden(t, "alertmanager/firing_by_job.golden.json")
	at := firing.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), amSource("service"))
	r := do(t, http.MethodPost, e.url+"/v1/events/alertmanager", payload(t, "alertmanager/firing.json"), bearer(tokenAll))
	checkCounts(t, r, 0, 0, want.Unmapped)
	checkStored(t, e, at, nil, "blackbox-icmp")
	checkUnmappedMetric(t, e, "alertmanager", 3)
}

func TestAlertmanagerRefused(t *testing.T) {
	firing := golden(t, "alertmanager/firing_by_job.golden.json")
	at := firing.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), amSource("job"))
	url := e.url + "/v1/events/alertmanager"
	body := payload(t, "alertmanager/firing.json")
	future := strings.Replace(string(body), "2019-09-27T16:27:56.612666101Z", "2019-09-29T16:27:56Z", 1)
	checkRefusals(t, url, []refusal{
		{"no token", string(body), map[string]string{"Content-Type": "application/json"}, 401, "unauthorized", "Authorization header is missing"},
		{"bad token", string(body), bearer("nope"), 401, "unauthorized", "not valid"},
		{"out of scope", string(body), bearer(tokenScoped), 403, "forbidden", "outside this token's services"},
		{"malformed", `{"version":"4","alerts":[`, bearer(tokenAll), 400, "invalid", "not a valid Alertmanager webhook payload"},
		{"other version", `{"version":"3","alerts":[]}`, bearer(tokenAll), 400, "invalid", "version 4"},
		// One invalid item refuses the batch, as /v1/events does, with details.
		{"an alert too far in the future", future, bearer(tokenAll), 400, "invalid", "1 of 3 events are invalid"},
	})
	checkStored(t, e, at, nil, "blackbox-icmp")
}

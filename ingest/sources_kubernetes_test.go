package ingest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/noctuary/noctuary/ingest"
	"github.com/noctuary/noctuary/ingest/sources"
	"github.com/noctuary/noctuary/store/storetest"
)

// kubeSource is the Kubernetes endpoint with the samples' namespaces.
func kubeSource() ingest.Source {
	return ingest.Source{Name: "kubernetes", Bearer: true, Translator: sources.Kubernetes{
		Namespaces: map[string]string{"shop": "checkout", "payments": "payments"}}}
}

func TestKubernetesStored(t *testing.T) {
	for _, name := range []string{"kubectl-list", "exporter-evicted", "events-v1-series", "watcher-rollout"} {
		t.Run(name, func(t *testing.T) {
			want := golden(t, "kubernetes/"+name+".golden.json")
			at := want.Events[len(want.Events)-1].OccurredAt
			e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), kubeSource())
			url := e.url + "/v1/events/kubernetes"
			body := payload(t, "kubernetes/"+name+".json")
			checkCounts(t, do(t, http.MethodPost, url, body, bearer(tokenAll)), len(want.Events), 0, []string{})
			checkStored(t, e, at, want.Events, want.Events[0].Service)
			// The watcher and event-exporter resend an Event on resync: stored once.
			checkCounts(t, do(t, http.MethodPost, url, body, bearer(tokenAll)), 0, len(want.Events), []string{})
		})
	}
}

func TestKubernetesUnmapped(t *testing.T) {
	want := golden(t, "kubernetes/array-node-oom.golden.json")
	at := want.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), kubeSource())
	r := do(t, http.MethodPost, e.url+"/v1/events/kubernetes", payload(t, "kubernetes/array-node-oom.json"), bearer(tokenAll))
	checkCounts(t, r, 1, 0, []string{"default/Node/ip-10-0-1-23.ec2.internal"})
	checkStored(t, e, at, want.Events, "checkout")
	checkUnmappedMetric(t, e, "kubernetes", 1)
}

func TestKubernetesRefused(t *testing.T) {
	want := golden(t, "kubernetes/kubectl-list.golden.json")
	at := want.Events[0].OccurredAt
	e := sourceEnv(t, storetest.NewClock(at.Add(time.Minute)), kubeSource())
	url := e.url + "/v1/events/kubernetes"
	body := string(payload(t, "kubernetes/exporter-evicted.json"))
	checkRefusals(t, url, []refusal{
		{"no token", body, map[string]string{"Content-Type": "application/json"}, 401, "unauthorized", "Authorization header is missing"},
		{"bad token", body, bearer("nope"), 401, "unauthorized", "not valid"},
		{"malformed", `{"kind":"EventList","items":[`, bearer(tokenAll), 400, "invalid", "not a valid Kubernetes Event or EventList payload"},
		{"no reason", `{"involvedObject":{"name":"p","namespace":"shop"},"lastTimestamp":"2026-11-23T02:14:41Z"}`, bearer(tokenAll), 400, "invalid", "Event 0 has no reason"},
		{"not an Event", `{"kind":"Pod","metadata":{"name":"p"}}`, bearer(tokenAll), 400, "invalid", "is a Pod, not an Event"},
	})
	checkStored(t, e, at, nil, "checkout", "checkout-api")
}

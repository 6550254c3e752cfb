package sources_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/ingest/sources"
)

// kube maps the samples' namespaces; checkout's Pods carry the label
// app.kubernetes.io/name only in the event-exporter sample.
var kube = sources.Kubernetes{Namespaces: map[string]string{"shop": "checkout", "payments": "payments"}}

func TestKubernetesGolden(t *testing.T) {
	var cases []goldenCase
	for _, name := range []string{"kubectl-list", "exporter-evicted", "events-v1-series", "array-node-oom", "watcher-rollout"} {
		cases = append(cases, goldenCase{payload: "kubernetes/" + name + ".json", golden: "kubernetes/" + name + ".golden.json",
			header: http.Header{}, translator: kube})
	}
	runGolden(t, cases)
}

// translate is the single event of an Event, or fails.
func translate(t *testing.T, k sources.Kubernetes, body string) noctuary.ContextEvent {
	t.Helper()
	res, err := k.Translate(http.Header{}, []byte(body))
	if err != nil || len(res.Events) != 1 {
		t.Fatalf("%v, %v", res, err)
	}
	return res.Events[0]
}

func TestKubernetesServiceLabel(t *testing.T) {
	body := `{"kind":"Event","reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z",
		"involvedObject":{"kind":"Pod","namespace":"shop","name":"p","labels":{"app":"cart","app.kubernetes.io/name":"bad key!"}}}`
	for label, want := range map[string]string{
		"app":  "cart",
		"":     "checkout", // the default label holds no service key: the namespace decides
		"team": "checkout",
	} {
		k := kube
		k.ServiceLabel = label
		if ev := translate(t, k, body); ev.Service != want {
			t.Errorf("label %q: service %q, want %q", label, ev.Service, want)
		}
	}
}

func TestKubernetesRolloutImages(t *testing.T) {
	digest := strings.Repeat("0f", 32)
	tests := []struct {
		image, previous string
		want            map[string]string
	}{
		{"ghcr.io/acme/checkout:a4f2c1e", "ghcr.io/acme/checkout:f8b3e22", map[string]string{
			"version": "ghcr.io/acme/checkout:a4f2c1e", "sha": "a4f2c1e", "previous_version": "ghcr.io/acme/checkout:f8b3e22", "previous_sha": "f8b3e22"}},
		// A version tag is no sha; a registry's port is no tag.
		{"ghcr.io/acme/checkout:1.4.2", "localhost:5000/checkout", map[string]string{
			"version": "ghcr.io/acme/checkout:1.4.2", "sha": "", "previous_version": "localhost:5000/checkout", "previous_sha": ""}},
		{"checkout:v1@sha256:" + digest, "", map[string]string{"sha": digest, "previous_version": "", "previous_sha": ""}},
		{"checkout:abc", "checkout", map[string]string{"sha": "", "previous_sha": ""}},
	}
	for _, tt := range tests {
		body := `{"reason":"Rollout","lastTimestamp":"2026-11-23T02:10:41Z","involvedObject":{"kind":"Deployment","namespace":"shop","name":"checkout"},
			"metadata":{"annotations":{"noctuary.io/image":"` + tt.image + `","noctuary.io/previous-image":"` + tt.previous + `"}}}`
		ev := translate(t, kube, body)
		if ev.Kind != "deploy" {
			t.Errorf("%s: kind %q", tt.image, ev.Kind)
		}
		for k, v := range tt.want {
			if ev.Attributes[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.image, k, ev.Attributes[k], v)
			}
		}
	}
}

func TestKubernetesMalformed(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", ``, "The body is empty"},
		{"not JSON", `reason=BackOff`, "The body is not JSON"},
		{"broken object", `{"kind":"Event"`, "not a valid Kubernetes Event or EventList payload"},
		{"broken array", `[{"kind":"Event"},`, "The body is not a valid Kubernetes Event array payload: invalid JSON at byte"},
		{"empty list", `{"kind":"EventList","items":[]}`, "holds no Events"},
		{"empty array", `[]`, "holds no Events"},
		{"a Pod", `{"kind":"Pod","metadata":{"name":"p"}}`, "Event 0 is a Pod, not an Event"},
		{"item not an object", `[1]`, "Kubernetes Event (item 0) payload: expected a JSON object"},
		{"count a string", `[{"kind":"Event","count":"7"}]`, "count has the wrong type (string)"},
		{"no object", `{"reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z"}`, "Event 0 names no object"},
		{"no reason", `{"involvedObject":{"name":"p"},"lastTimestamp":"2026-11-23T02:14:41Z"}`, "Event 0 has no reason"},
		{"no time", `{"involvedObject":{"name":"p"},"reason":"BackOff","eventTime":null}`, "Event 0 has no time"},
		{"bad time", `{"involvedObject":{"name":"p"},"reason":"BackOff","lastTimestamp":"yesterday"}`, `lastTimestamp that is not a time: "yesterday"`},
		{"second item bad", `[{"involvedObject":{"name":"p"},"reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z"},{"reason":"x"}]`, "Event 1 names no object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kube.Translate(http.Header{}, []byte(tt.body))
			if noctuary.ErrorCode(err) != noctuary.EInvalid || !strings.Contains(noctuary.ErrorMessage(err), tt.want) {
				t.Fatalf("error %v; want EInvalid with %q", err, tt.want)
			}
		})
	}
}

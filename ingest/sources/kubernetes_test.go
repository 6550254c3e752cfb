package sources

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden.json")

// kubeTestConfig maps the samples' namespaces; checkout's Pods carry the
// label app.kubernetes.io/name only in the event-exporter sample.
var kubeTestConfig = KubernetesConfig{Namespaces: map[string]string{"shop": "checkout", "payments": "payments"}}

// translation is a golden file: what a payload becomes.
type translation struct {
	Events   []noctuary.ContextEvent `json:"events"`
	Unmapped []string                `json:"unmapped"`
}

func TestKubernetesGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/kubernetes/*.json")
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.json") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			evs, unmapped, err := Kubernetes(body, kubeTestConfig)
			if err != nil {
				t.Fatal(err)
			}
			for i := range evs {
				if err := evs[i].Validate(evs[i].OccurredAt); err != nil {
					t.Errorf("event %d does not validate: %v", i, err)
				}
			}
			checkGolden(t, strings.TrimSuffix(in, ".json")+".golden.json", translation{evs, unmapped})
		})
	}
	if len(inputs) < 10 {
		t.Fatalf("only %d samples and goldens in testdata/kubernetes", len(inputs))
	}
}

// checkGolden compares got, as indented JSON, with the golden file (written
// with -update).
func checkGolden(t *testing.T, path string, got any) {
	t.Helper()
	raw, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, '\n')
	if *update {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(raw) != string(want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, raw, want)
	}
}

func TestKubernetesServiceLabel(t *testing.T) {
	body := []byte(`{"kind":"Event","reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z",
		"involvedObject":{"kind":"Pod","namespace":"shop","name":"p","labels":{"app":"cart","app.kubernetes.io/name":"bad key!"}}}`)
	tests := []struct {
		label string
		want  string
	}{
		{"app", "cart"},
		{"", "checkout"}, // the default label holds no service key: the namespace decides
		{"team", "checkout"},
	}
	for _, tt := range tests {
		cfg := kubeTestConfig
		cfg.ServiceLabel = tt.label
		evs, _, err := Kubernetes(body, cfg)
		if err != nil || len(evs) != 1 || evs[0].Service != tt.want {
			t.Errorf("label %q: %+v, %v; want service %q", tt.label, evs, err, tt.want)
		}
	}
}

func TestKubernetesMalformed(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", ``, "The body is empty"},
		{"not JSON", `reason=BackOff`, "The body is not JSON"},
		{"broken object", `{"kind":"Event"`, "not a Kubernetes Event or EventList"},
		{"broken array", `[{"kind":"Event"},`, "not a JSON array of Events"},
		{"empty list", `{"kind":"EventList","items":[]}`, "holds no Events"},
		{"empty array", `[]`, "holds no Events"},
		{"a Pod", `{"kind":"Pod","metadata":{"name":"p"}}`, "Event 0 is a Pod, not an Event"},
		{"item not an object", `[1]`, "Event 0 is not a Kubernetes Event object"},
		{"count a string", `[{"kind":"Event","count":"7"}]`, "field count holds a JSON string"},
		{"no object", `{"reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z"}`, "Event 0 names no object"},
		{"no reason", `{"involvedObject":{"name":"p"},"lastTimestamp":"2026-11-23T02:14:41Z"}`, "Event 0 has no reason"},
		{"no time", `{"involvedObject":{"name":"p"},"reason":"BackOff","eventTime":null}`, "Event 0 has no time"},
		{"bad time", `{"involvedObject":{"name":"p"},"reason":"BackOff","lastTimestamp":"yesterday"}`, `lastTimestamp that is not an RFC 3339 time: "yesterday"`},
		{"second item bad", `[{"involvedObject":{"name":"p"},"reason":"BackOff","lastTimestamp":"2026-11-23T02:14:41Z"},{"reason":"x"}]`, "Event 1 names no object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, unmapped, err := Kubernetes([]byte(tt.body), kubeTestConfig)
			if noctuary.ErrorCode(err) != noctuary.EInvalid || !strings.Contains(noctuary.ErrorMessage(err), tt.want) {
				t.Fatalf("error %v; want EInvalid with %q", err, tt.want)
			}
			if evs != nil || unmapped != nil {
				t.Errorf("events %v, unmapped %v with an error", evs, unmapped)
			}
		})
	}
}

func TestImageSHA(t *testing.T) {
	tests := map[string]string{
		"ghcr.io/acme/checkout:a4f2c1e": "a4f2c1e",
		"ghcr.io/acme/checkout:1.4.2":   "",
		"localhost:5000/checkout":       "",
		"checkout":                      "",
		"checkout:abc":                  "",
		"ghcr.io/acme/checkout@sha256:" + strings.Repeat("0f", 32):    strings.Repeat("0f", 32),
		"ghcr.io/acme/checkout:v1@sha256:" + strings.Repeat("ab", 32): strings.Repeat("ab", 32),
	}
	for image, want := range tests {
		if got := imageSHA(image); got != want {
			t.Errorf("imageSHA(%q) = %q, want %q", image, got, want)
		}
	}
}

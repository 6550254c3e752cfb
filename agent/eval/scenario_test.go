package eval

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const okScenario = `
category: own-deploy
scenarios:
  - name: s1
    services: [{key: checkout, dependencies: [orders-db]}]
    incident: {service: checkout, title: "checkout 5xx", onset: -30m}
    events:
      - {id: d1, service: checkout, kind: deploy, source: argocd, at: -4m30s}
    expect: {cause: d1}
`

func TestParse(t *testing.T) {
	sc, err := Parse([]byte(okScenario))
	if err != nil {
		t.Fatal(err)
	}
	s := sc[0]
	if s.Category != "own-deploy" || time.Duration(s.Incident.Onset) != -30*time.Minute ||
		time.Duration(s.Events[0].At) != -270*time.Second {
		t.Fatalf("parsed %+v", s)
	}
}

// TestParseRejects: every mistake in a scenario file is an error naming it.
func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"misspelt field", "expect: {cause: d1}", "expected: {cause: d1}", "field expected not found"},
		{"bad offset", "at: -4m30s", "at: four minutes", "not a duration"},
		{"future onset", "onset: -30m", "onset: 30m", "in the future"},
		{"no title", `title: "checkout 5xx", `, "", "incident.title is required"},
		{"unknown cause", "cause: d1", "cause: d2", `expect.cause "d2"`},
		{"no category", "category: own-deploy", "", "category is required"},
		{"undeclared service", "incident: {service: checkout", "incident: {service: cart", `incident.service "cart"`},
		{"invalid event", "kind: deploy, ", "", "kind is required"},
		{"event without id", "id: d1, ", "", "event ids must be present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(okScenario, tt.from, tt.to, 1)
			if in == okScenario {
				t.Fatalf("%q not in the scenario", tt.from)
			}
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseNoScenarios(t *testing.T) {
	if _, err := Parse([]byte("category: x\n")); err == nil {
		t.Fatal("a file without scenarios parsed")
	}
}

func TestLoadRejectsDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yaml"} {
		writeFile(t, dir, f, okScenario)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `"s1" is also in`) {
		t.Fatalf("Load error = %v", err)
	}
}

// TestRoundTrip: a File written with yaml.Marshal (as noctuary eval export
// writes scenarios) parses back to the same scenarios.
func TestRoundTrip(t *testing.T) {
	sc, err := Parse([]byte(okScenario))
	if err != nil {
		t.Fatal(err)
	}
	sc[0].Expect.Mentions = []string{"a4f2c1"}
	sc[0].Events[0].Attributes = map[string]string{"sha": "a4f2c1"}
	b, err := yaml.Marshal(File{Scenarios: sc})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("%v in\n%s", err, b)
	}
	if !reflect.DeepEqual(back, sc) {
		t.Fatalf("round trip changed the scenarios:\n%+v\n%+v", back, sc)
	}
}

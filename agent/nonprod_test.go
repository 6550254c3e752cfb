package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// TestNonProductionOf: the environment a change names, by attribute first,
// else by the first of nonProduction its summary holds.
func TestNonProductionOf(t *testing.T) {
	tests := []struct {
		summary string
		attrs   map[string]string
		want    string
	}{
		{"deploy api v2 in staging", nil, "staging"},
		{"config pushed to qa only", nil, "qa"},
		{"rolled out in qa and in staging", nil, "staging"},
		{"sandbox environment rebuilt", nil, "sandbox"},
		{"deploy api v2 in production", nil, ""},
		{"staging area cleaned", nil, ""},
		{"deploy in staging", map[string]string{"environment": "production"}, ""},
		{"deploy api", map[string]string{"env": " QA "}, "qa"},
		{"deploy api", map[string]string{"tier": "dev"}, "dev"},
		{"deploy api", map[string]string{"stage": "prod"}, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		e := noctuary.ContextEvent{Summary: tt.summary, Attributes: tt.attrs}
		if got := nonProductionOf(&e, textOf(e.Summary)); got != tt.want {
			t.Errorf("nonProductionOf(%q, %v) = %q, want %q", tt.summary, tt.attrs, got, tt.want)
		}
	}
}

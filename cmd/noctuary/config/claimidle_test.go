package config

import "testing"

// NOCTUARY_CLAIM_IDLE must leave room for the renewals of running triages
// and Slack jobs (every third of it).
func TestClaimIdleLowerBound(t *testing.T) {
	tests := []struct {
		value string
		want  []string
	}{
		{"500ms", []string{`NOCTUARY_CLAIM_IDLE: 500ms is shorter than 3s: a running triage renews its entry every third of it, and a slow Redis round trip would let another replica take the entry; use e.g. 90s`}},
		{"2999ms", []string{`NOCTUARY_CLAIM_IDLE: 2.999s is shorter than 3s: a running triage renews its entry every third of it, and a slow Redis round trip would let another replica take the entry; use e.g. 90s`}},
		{"3s", nil},
		{"90s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			checkProblems(t, "", map[string]string{"NOCTUARY_CLAIM_IDLE": tt.value}, tt.want)
		})
	}
}

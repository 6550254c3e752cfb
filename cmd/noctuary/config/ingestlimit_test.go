package config

import "testing"

// NOCTUARY_INGEST_RATE_LIMIT and NOCTUARY_INGEST_BURST: defaults that a
// normal source never meets, 0 turning the limit off, and a sentence for
// anything else than a number in range.
func TestIngestRateLimitSettings(t *testing.T) {
	tests := []struct {
		name                string
		vars                map[string]string
		wantRate, wantBurst int
		want                []string
	}{
		{"defaults", nil, 1000, 20000, nil},
		{"set", map[string]string{"NOCTUARY_INGEST_RATE_LIMIT": "50", "NOCTUARY_INGEST_BURST": "500"}, 50, 500, nil},
		{"off", map[string]string{"NOCTUARY_INGEST_RATE_LIMIT": "0"}, 0, 20000, nil},
		{"negative rate", map[string]string{"NOCTUARY_INGEST_RATE_LIMIT": "-1"}, 0, 0,
			[]string{`NOCTUARY_INGEST_RATE_LIMIT: "-1" is not a number of events a second from 0 to 1000000 (0 turns the limit off)`}},
		{"rate in words", map[string]string{"NOCTUARY_INGEST_RATE_LIMIT": "fast"}, 0, 0,
			[]string{`NOCTUARY_INGEST_RATE_LIMIT: "fast" is not a number of events a second from 0 to 1000000 (0 turns the limit off)`}},
		{"zero burst", map[string]string{"NOCTUARY_INGEST_BURST": "0"}, 0, 0,
			[]string{`NOCTUARY_INGEST_BURST: "0" is not a number of events from 1 to 10000000`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want != nil {
				checkProblems(t, "", tt.vars, tt.want)
				return
			}
			cfg, err := Parse(nil, "", func(k string) (string, bool) { v, ok := tt.vars[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			if cfg.IngestRateLimit != tt.wantRate || cfg.IngestBurst != tt.wantBurst {
				t.Errorf("rate %d burst %d, want %d and %d", cfg.IngestRateLimit, cfg.IngestBurst, tt.wantRate, tt.wantBurst)
			}
		})
	}
}

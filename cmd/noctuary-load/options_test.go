package main

import (
	"io"
	"strings"
	"testing"
)

// TestParseOptions: flags and environment, loopback targets only.
func TestParseOptions(t *testing.T) {
	secrets := map[string]string{"NOCTUARY_INGEST_TOKEN": "it", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "ws", "NOCTUARY_PAGERDUTY_TOKEN": "pt"}
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		wantErr string // "" = valid
	}{
		{"events to the default target", "-events 100", secrets, ""},
		{"everything, three replicas", "-events 100 -batches 2 -batch-size 10 -incidents 50 -target http://127.0.0.1:8080,http://localhost:8081,http://[::1]:8082 -redis 127.0.0.1:6379,localhost:7001", secrets, ""},
		{"127.0.0.2 is loopback", "-events 1 -target http://127.0.0.2:8080/", secrets, ""},
		{"remote target", "-events 1 -target http://10.0.0.5:8080", secrets, "-target http://10.0.0.5:8080 is not on loopback"},
		{"a name is not resolved", "-events 1 -target http://noctuary.example.com", secrets, "is not on loopback"},
		{"one remote replica among local ones", "-events 1 -target http://127.0.0.1:8080,https://8.8.8.8", secrets, "-target https://8.8.8.8 is not on loopback"},
		{"unspecified address is not loopback", "-events 1 -target http://0.0.0.0:8080", secrets, "is not on loopback"},
		{"not a URL", "-events 1 -target 127.0.0.1:8080", secrets, "must be an http:// or https:// base URL"},
		{"empty target", "-events 1 -target ,", secrets, "-target is empty"},
		{"remote fake PagerDuty", "-incidents 5 -pd 192.168.1.2:18081", secrets, "-pd 192.168.1.2:18081 is not on loopback"},
		{"fake PagerDuty without a port", "-incidents 5 -pd 127.0.0.1", secrets, "must be host:port"},
		{"remote redis", "-events 1 -redis 10.1.1.1:6379", secrets, "-redis 10.1.1.1:6379 is not on loopback"},
		{"nothing to send", "", secrets, "nothing to send"},
		{"negative rate", "-events -5", secrets, "must be between 0 and 100000"},
		{"rate too high", "-incidents 1000000", secrets, "must be between 0 and 100000"},
		{"unbounded duration", "-events 1 -duration 1h", secrets, "-duration 1h0m0s must be more than 0 and at most 10m0s"},
		{"zero duration", "-events 1 -duration 0s", secrets, "must be more than 0"},
		{"wait too long", "-incidents 1 -wait 11m", secrets, "-wait 11m0s must be between 0 and 10m0s"},
		{"batch too large", "-batches 1 -batch-size 10001", secrets, "-batch-size 10001 must be between 1 and 10000"},
		{"batch empty", "-batches 1 -batch-size 0", secrets, "must be between 1 and 10000"},
		{"no ingest token", "-events 1", map[string]string{"NOCTUARY_INGEST_TOKEN": "  "}, "NOCTUARY_INGEST_TOKEN is not set"},
		{"incidents need no ingest token", "-incidents 1", map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "ws", "NOCTUARY_PAGERDUTY_TOKEN": "pt"}, ""},
		{"no webhook secret", "-incidents 1", map[string]string{"NOCTUARY_PAGERDUTY_TOKEN": "pt"}, "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET is not set"},
		{"no PagerDuty token", "-incidents 1", map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "ws"}, "NOCTUARY_PAGERDUTY_TOKEN is not set"},
		{"no services", "-events 1 -services ,", secrets, "-services is empty"},
		{"no PagerDuty services", "-incidents 1 -pd-services=", secrets, "-pd-services is empty"},
		{"integration with a slash", "-incidents 1 -integration a/b", secrets, "must be an integration ID"},
		{"max-inflight zero", "-events 1 -max-inflight 0", secrets, "-max-inflight 0 must be between"},
		{"pids", "-events 1 -pids 12,13", secrets, ""},
		{"pids not numbers", "-events 1 -pids 12,me", secrets, `-pids "12,me" must list process IDs`},
		{"stray argument", "-events 1 extra", secrets, `unexpected argument "extra"`},
		{"unknown flag", "-rate 5", secrets, "flag provided but not defined: -rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := strings.Fields(tt.args)
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			o, err := parseOptions(args, lookup, io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseOptions(%q) = %v, want no error", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseOptions(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			case tt.wantErr == "" && len(o.targets) == 0:
				t.Fatalf("parseOptions(%q): no target", tt.args)
			}
		})
	}
}

// TestRunUsageErrorExitsTwo: a refused target is a sentence on stderr and
// exit code 2, before anything is sent.
func TestRunUsageErrorExitsTwo(t *testing.T) {
	var stdout, stderr strings.Builder
	lookup := func(string) (string, bool) { return "x", true }
	code := run(t.Context(), []string{"-events", "1", "-target", "http://203.0.113.9:8080"}, lookup, &stdout, &stderr)
	if code != 2 || !strings.HasPrefix(stderr.String(), "noctuary-load: -target http://203.0.113.9:8080 is not on loopback") || stdout.Len() != 0 {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr.String(), stdout.String())
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runArgs runs the command line args with only the variables env set, and
// fails the test if it does not return within 10 s (a server started by
// mistake would run until ctx ends).
func runArgs(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for _, k := range []string{"NOCTUARY_CONFIG", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET", "NOCTUARY_PAGERDUTY_TOKEN", "NOCTUARY_REDIS_URL", "NOCTUARY_INGEST_TOKENS", "NOCTUARY_ADDR"} {
		t.Setenv(k, "")
	}
	t.Setenv("NOCTUARY_ADDR", "127.0.0.1:0")
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	if ctx.Err() != nil {
		t.Fatalf("noctuary %s ran until it was stopped (exit %d)", strings.Join(args, " "), code)
	}
	return code, out.String(), errOut.String()
}

var demoEnv = map[string]string{
	"NOCTUARY_CONFIG": "../../examples/noctuary.yaml", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "demo-webhook-secret",
	"NOCTUARY_INGEST_TOKENS": "demo-ingest-token", "DEMO_ACTION_SECRET": "demo-action-secret",
}

// TestSubcommandHelp: every command prints its usage for -h and --help and
// exits 0 without starting anything.
func TestSubcommandHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--help"}, "usage: noctuary serve"},
		{[]string{"serve", "-h"}, "usage: noctuary serve"},
		{[]string{"config", "validate", "--help"}, "usage: noctuary config validate"},
		{[]string{"config", "--help"}, "noctuary config validate"},
		{[]string{"demo", "--help"}, "usage: noctuary demo"},
		{[]string{"replay-dead", "-h"}, "usage: noctuary replay-dead"},
		{[]string{"version", "--help"}, "usage: noctuary version"},
		{[]string{"--help"}, "replay-dead"},
		{[]string{"help"}, "config validate"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runArgs(t, demoEnv, tt.args...)
			if code != 0 || !strings.Contains(stdout, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestUnknownArguments: an unknown command, flag or argument is a sentence
// on stderr and exit 2, before any configuration is read.
func TestUnknownArguments(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--bogus"}, "noctuary serve: unknown flag -bogus"},
		{[]string{"serve", "extra"}, `noctuary serve: unexpected argument "extra"`},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"config"}, `unknown command "config"`},
		{[]string{"config", "validate", "--strict"}, "noctuary config validate: unknown flag -strict"},
		{[]string{"config", "bogus"}, `unknown command "config bogus"`},
		{[]string{"config", "apply", "--prune"}, "noctuary config apply: unknown flag -prune"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runArgs(t, map[string]string{"NOCTUARY_LLM_TIMEOUT": "not a duration"}, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestVersion: --version and version print the version set at link time.
func TestVersion(t *testing.T) {
	defer func(v string) { buildVersion = v }(buildVersion)
	buildVersion = "v9.8.7-test"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := runArgs(t, nil, args...)
		if code != 0 || !strings.HasPrefix(stdout, "noctuary v9.8.7-test (go") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	buildVersion = ""
	if v := version(); v == "" {
		t.Error("without -ldflags the version is empty; want the build info's or devel")
	}
}

// TestConfigValidateGaps: with nothing configured, validate says what is
// missing (exit 2); what a first deployment may lack is a warning (exit 0);
// the demo configuration of make run stays valid.
func TestConfigValidateGaps(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		code int
		want []string
	}{
		{"nothing", nil, exitInvalidConfig, []string{"incomplete configuration", "no PagerDuty integration is defined", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET"}},
		{"a webhook secret only", map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "w"}, 0, []string{
			"warning: no service is declared", "warning: no ingest token is set", `warning: integration "default" has no PagerDuty key`,
			"warning: NOCTUARY_REDIS_URL is not set", "configuration is valid: 1 integration(s), 0 service(s), 4 warning(s)"}},
		{"make run", demoEnv, 0, []string{"configuration is valid: 1 integration(s), 2 service(s), 2 warning(s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, tt.env, "config", "validate")
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			mustContain(t, stdout+stderr, tt.want...)
		})
	}
}

// TestServeRefusesNoIntegration: serve stops at once, with the same sentence,
// when nothing could ever reach it.
func TestServeRefusesNoIntegration(t *testing.T) {
	code, _, stderr := runArgs(t, nil, "serve")
	if code != exitInvalidConfig || !strings.Contains(stderr, "no PagerDuty integration is defined") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

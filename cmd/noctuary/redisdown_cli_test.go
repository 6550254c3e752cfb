package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRedisDownCommandsSaySoOnce: a command run against a Redis that is not
// there (this test binary as the noctuary command, see TestMain, so that
// its real stderr is read) writes its JSON log and one sentence, exit 1: no
// plain-text lines of the Redis client library among them. `serve` writes
// what the library says as JSON log records.
func TestRedisDownCommandsSaySoOnce(t *testing.T) {
	down := "redis://" + freeAddr(t) + "/0"
	withFile := "NOCTUARY_CONFIG=" + filepath.Join(t.TempDir(), "noctuary.yaml")
	if err := os.WriteFile(strings.TrimPrefix(withFile, "NOCTUARY_CONFIG="), []byte("services:\n  - {key: checkout}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
		env  []string
	}{
		{[]string{"serve"}, "noctuary: opening the store: the store is unavailable", nil},
		{[]string{"replay-dead"}, "noctuary: the store is unavailable", nil},
		{[]string{"review"}, "noctuary review: the store is unavailable", nil},
		{[]string{"eval", "export"}, "noctuary: the store is unavailable", nil},
		{[]string{"config", "apply"}, "noctuary config apply: the store is unavailable", []string{withFile}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], tt.args...)
			cmd.Env = []string{asCommandEnv + "=1", "NOCTUARY_REDIS_URL=" + down, "NOCTUARY_ADDR=127.0.0.1:0",
				"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET=" + testWebhookKey}
			cmd.Env = append(cmd.Env, tt.env...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Fatalf("exit %d (%v), want 1; stderr:\n%s", code, err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, tt.want) {
				t.Errorf("last line %q, want it to start with %q", last, tt.want)
			}
			for _, l := range lines[:len(lines)-1] {
				if !json.Valid([]byte(l)) {
					t.Errorf("a line that is neither the JSON log nor the sentence: %q", l)
				}
			}
		})
	}
}

// TestRedisCommandsNeedRedisURL: the commands that work on a deployment's
// Redis, run without NOCTUARY_REDIS_URL, say which setting is missing, once,
// and exit 2 like every incomplete configuration.
func TestRedisCommandsNeedRedisURL(t *testing.T) {
	for _, args := range [][]string{{"replay-dead"}, {"review"}, {"review", "--format", "json"}, {"eval", "export"}} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, demoEnv, args...)
			want := strings.Fields(name)[0]
			if args[0] == "eval" {
				want = "eval export"
			}
			want += " needs NOCTUARY_REDIS_URL"
			if code != exitInvalidConfig || !strings.Contains(stderr, want) || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, exitInvalidConfig, want)
			}
			if strings.Count(stderr, "noctuary") != 1 {
				t.Errorf("the command is named more than once: %q", stderr)
			}
		})
	}
}

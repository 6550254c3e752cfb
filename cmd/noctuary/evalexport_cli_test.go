package main

import (
	"strings"
	"testing"
)

// `noctuary eval export` through the command line: its help, and a
// sentence with exit 1 when there is nothing to export (so that
// `> file.yaml` never leaves a file the suite cannot load unnoticed);
// without NOCTUARY_REDIS_URL see TestRedisCommandsNeedRedisURL.
func TestEvalExportCommandLine(t *testing.T) {
	redis := noctuaryRedis(t)
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", demoEnv, []string{"eval", "export", "--help"}, 0, "usage: noctuary eval export", ""},
		{"group help", demoEnv, []string{"eval", "--help"}, 0, "noctuary eval export", ""},
		{"no misses", withVar(demoEnv, "NOCTUARY_REDIS_URL", redis.URL), []string{"eval", "export"}, 1, "",
			"no miss was recorded in the last 90 days: nothing to export"},
		{"an argument", demoEnv, []string{"eval", "export", "out.yaml"}, exitUsage, "", `unexpected argument "out.yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func withVar(env map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range env {
		out[key] = val
	}
	return out
}

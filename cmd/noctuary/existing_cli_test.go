package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// TestCommandsRefuseARedisWithoutNoctuaryData: the operator commands, run
// against a Redis that holds no Noctuary data (a typo in
// NOCTUARY_REDIS_URL, another team's Redis), say so in one sentence and
// exit 1, like a Redis that does not answer, and leave it empty: no schema
// mark, consumer group or integration record.
func TestCommandsRefuseARedisWithoutNoctuaryData(t *testing.T) {
	srv := storetest.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	const sentence = "this Redis holds no Noctuary data (no noctuary:schema key): check NOCTUARY_REDIS_URL"
	for _, tt := range []struct {
		args   []string
		prefix string
	}{
		{[]string{"review"}, "noctuary review: "},
		{[]string{"replay-dead"}, "noctuary: "},
		{[]string{"eval", "export"}, "noctuary: "},
		{[]string{"config", "apply", "--dry-run"}, "noctuary config apply: "},
	} {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, withVar(demoEnv, "NOCTUARY_REDIS_URL", srv.URL), tt.args...)
			if code != 1 || stdout != "" || !strings.Contains(stderr, tt.prefix+sentence+"\n") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, tt.prefix+sentence)
			}
			if keys, err := rdb.Keys(context.Background(), "*").Result(); err != nil || len(keys) > 0 {
				t.Errorf("noctuary %s wrote %v (%v) to a Redis without Noctuary data", name, keys, err)
			}
		})
	}
}

// noctuaryRedis starts a redis-server that holds Noctuary's (empty) data,
// as after the first start of `noctuary serve`.
func noctuaryRedis(t *testing.T) *storetest.Server {
	t.Helper()
	srv := storetest.StartRedis(t)
	s, err := store.Open(context.Background(), srv.URL, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	return srv
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/store"
)

// replayDead moves every dead-lettered webhook event back onto the triage
// queue, and every dead-lettered Slack job back onto the Slack queue. With the embedded store there is nothing to replay: its data lives in
// the serving process only.
func replayDead(ctx context.Context, cfg *config.Config, logger *slog.Logger, out io.Writer) error {
	s, err := openRedis(ctx, cfg, logger, "replay-dead", true)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.ReplayDeadWebhooks(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "replayed %d dead-lettered webhook event(s) onto noctuary:webhooks\n", n)
	n, err = s.ReplayDeadSlackJobs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "replayed %d dead-lettered Slack job(s) onto noctuary:v1:slack:jobs\n", n)
	return nil
}

// openRedis opens the store of NOCTUARY_REDIS_URL for a command that works
// on a deployment's data; the embedded store has none outside the serving
// process, so without the variable the configuration is incomplete. With
// existing (all but config apply without --dry-run), opening writes nothing and a
// Redis without Noctuary data of this key schema is refused
// (store.Options.Existing): a run time error, exit 1 like a Redis that
// does not answer.
func openRedis(ctx context.Context, cfg *config.Config, logger *slog.Logger, command string, existing bool) (*store.Store, error) {
	if cfg.RedisURL == "" {
		return nil, &incompleteError{fmt.Errorf("%s needs NOCTUARY_REDIS_URL, the Redis your servers use: the embedded store lives inside the serving process", command)}
	}
	return store.Open(ctx, cfg.RedisURL, store.Options{Integrations: cfg.Integrations, Logger: logger,
		RedisMode: store.RedisMode(cfg.RedisMode), SentinelMaster: cfg.RedisSentinelMaster, Existing: existing})
}

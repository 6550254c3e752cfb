package store

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// The key schema: noctuary:schema holds the version of the key layout that
// Redis' data follows, and noctuary:schema:migrating is the lock of the one
// process that migrates it.
const (
	keySchema     = "noctuary:schema"
	keySchemaLock = "noctuary:schema:migrating"
	// SchemaVersion is the key layout this version reads and writes:
	//  1. every layout before the version was stored (Redis without
	//     noctuary:schema, or empty);
	//  2. dead Slack jobs in {noctuary:v1:slack:jobs}:dead, in the hash
	//     slot of their queue, so that a job moves there atomically on a
	//     Redis Cluster too (was noctuary:v1:slack:jobs:dead).
	SchemaVersion = 2
	// schemaLease bounds how long a migration holds its lock; a process
	// that finds another migrating waits for it up to twice as long.
	schemaLease = 30 * time.Second
)

// oldSlackJobsDead is the dead Slack jobs' stream of schema 1.
const oldSlackJobsDead = "noctuary:v1:slack:jobs:dead"

// migrations[v-1] moves Redis' data from schema v to v+1.
var migrations = []func(*Store, context.Context) error{(*Store).migrateTo2}

// migrateTo2 moves the dead Slack jobs into their queue's hash slot.
func (s *Store) migrateTo2(ctx context.Context) error {
	return s.moveStream(ctx, oldSlackJobsDead, keySlackJobsDead)
}

// checkSchema reads the schema version of Redis' data and migrates it to
// SchemaVersion, one process at a time (the others wait for it). Data of an
// unknown, newer version is refused: this version would misread it, or
// write the old layout beside it.
func (s *Store) checkSchema(ctx context.Context) error {
	wait := time.NewTimer(2 * schemaLease)
	defer wait.Stop()
	for {
		v, err := s.schemaVersion(ctx)
		if err != nil || v == SchemaVersion {
			return err
		}
		token := rand.Text()
		ok, err := s.rdb.SetNX(ctx, keySchemaLock, token, schemaLease).Result()
		if err != nil {
			return unavailable(err)
		}
		if ok {
			err := s.migrate(ctx, v)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			if uerr := unlockScript.Run(rctx, s.rdb, []string{keySchemaLock}, token).Err(); err == nil {
				err = unavailable(uerr)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return unavailable(ctx.Err())
		case <-wait.C:
			return noctuary.Errorf(noctuary.EUnavailable, "another Noctuary has been migrating the Redis keys to schema %d for over %s (%s); start again once it is done",
				SchemaVersion, 2*schemaLease, keySchemaLock)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// checkExisting refuses, without writing, a Redis whose data Open with
// Options.Existing cannot use as it is: no Noctuary data at all (neither
// noctuary:schema nor the keys a schema-1 Redis always had), data in an
// older key schema, or a newer or unknown one.
func (s *Store) checkExisting(ctx context.Context) error {
	v, err := s.schemaVersion(ctx)
	if err != nil || v == SchemaVersion {
		return err
	}
	if v == 1 {
		held, err := s.anyExists(ctx, keySchema, keySeeded, keyWebhooks, keyServices)
		if err != nil {
			return err
		}
		if !held {
			return noctuary.Errorf(noctuary.ENotFound, "this Redis holds no Noctuary data (no %s key): check NOCTUARY_REDIS_URL", keySchema)
		}
	}
	return noctuary.Errorf(noctuary.EConflict, "Redis holds Noctuary's data in key schema version %d, older than version %d that this Noctuary reads: run `noctuary serve` (one replica) to migrate first",
		v, SchemaVersion)
}

// anyExists reports whether any of keys exists, asking one key at a time:
// on a Redis Cluster they may be in different hash slots.
func (s *Store) anyExists(ctx context.Context, keys ...string) (bool, error) {
	for _, k := range keys {
		n, err := s.rdb.Exists(ctx, k).Result()
		if err != nil || n > 0 {
			return n > 0, unavailable(err)
		}
	}
	return false, nil
}

// schemaVersion returns the schema version of Redis' data: 1 when none is
// stored. A newer version than SchemaVersion, or a value that is no
// version, is an error.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	raw, err := s.rdb.Get(ctx, keySchema).Result()
	if isNil(err) {
		return 1, nil
	}
	if err != nil {
		return 0, unavailable(err)
	}
	v, err := strconv.Atoi(raw)
	switch {
	case err != nil || v < 1:
		return 0, noctuary.Errorf(noctuary.EConflict, "Redis' %s holds %q, which is not a key schema version: is this Redis used by something else than Noctuary?", keySchema, raw)
	case v > SchemaVersion:
		return 0, noctuary.Errorf(noctuary.EConflict, "Redis holds Noctuary's data in key schema version %d, newer than version %d that this Noctuary knows: run the Noctuary release that wrote it, or a newer one", v, SchemaVersion)
	}
	return v, nil
}

// migrate runs the migrations from schema v on, recording each version
// reached, and logs what it did.
func (s *Store) migrate(ctx context.Context, v int) error {
	for ; v < SchemaVersion; v++ {
		if err := migrations[v-1](s, ctx); err != nil {
			return err
		}
		if err := s.rdb.Set(ctx, keySchema, v+1, 0).Err(); err != nil {
			return unavailable(err)
		}
		s.log.Info("Redis key schema updated", "from", v, "to", v+1)
	}
	return nil
}

// markSchema records SchemaVersion unless a version is stored: Redis that
// lost its data (Recover) holds the current layout again.
func (s *Store) markSchema(ctx context.Context) error {
	return unavailable(s.rdb.SetNX(ctx, keySchema, SchemaVersion, 0).Err())
}

// moveStream appends the entries of stream from to stream to, page by page
// (new IDs, same fields), then deletes from. It copies rather than renames:
// the two keys may live on different nodes of a cluster. An interruption
// leaves duplicates at worst, never losses.
func (s *Store) moveStream(ctx context.Context, from, to string) error {
	start := "-"
	for {
		page, err := s.rdb.XRangeN(ctx, from, start, "+", replayPage).Result()
		if err != nil {
			return unavailable(err)
		}
		if len(page) > 0 {
			_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, m := range page {
					p.XAdd(ctx, &redis.XAddArgs{Stream: to, Values: m.Values})
				}
				return nil
			})
			if err != nil {
				return unavailable(err)
			}
		}
		if len(page) < replayPage {
			return unavailable(s.rdb.Del(ctx, from).Err())
		}
		start = "(" + page[len(page)-1].ID
	}
}

package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/store"
	"github.com/noctuary/noctuary/store/storetest"
)

// plainClient returns a go-redis client of srv, closed when the test ends.
func plainClient(t *testing.T, srv *storetest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// A first start records the schema version; a start against a newer or
// unknown version refuses with a sentence and writes nothing.
func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	rdb := plainClient(t, srv)
	s, err := store.Open(ctx, srv.URL, store.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if got := rdb.Get(ctx, "noctuary:schema").Val(); got != fmt.Sprint(store.SchemaVersion) {
		t.Fatalf("noctuary:schema = %q after the first start, want %d", got, store.SchemaVersion)
	}
	if s, err = store.Open(ctx, srv.URL, store.Options{Logger: discard()}); err != nil {
		t.Fatalf("a second start against its own version: %v", err)
	}
	_ = s.Close()

	for _, tc := range []struct{ stored, want string }{
		{fmt.Sprint(store.SchemaVersion + 1), fmt.Sprintf("Redis holds Noctuary's data in key schema version %d, newer than version %d that this Noctuary knows: run the Noctuary release that wrote it, or a newer one",
			store.SchemaVersion+1, store.SchemaVersion)},
		{"blue", `Redis' noctuary:schema holds "blue", which is not a key schema version: is this Redis used by something else than Noctuary?`},
		{"0", `Redis' noctuary:schema holds "0", which is not a key schema version: is this Redis used by something else than Noctuary?`},
	} {
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		rdb.Set(ctx, "noctuary:schema", tc.stored, 0)
		s, err := store.Open(ctx, srv.URL, store.Options{Logger: discard()})
		if err == nil {
			_ = s.Close()
			t.Fatalf("schema %q: the start was not refused", tc.stored)
		}
		if noctuary.ErrorCode(err) != noctuary.EConflict || noctuary.ErrorMessage(err) != tc.want {
			t.Errorf("schema %q: refused with %s %q,\nwant %q", tc.stored, noctuary.ErrorCode(err), noctuary.ErrorMessage(err), tc.want)
		}
		if keys := rdb.Keys(ctx, "*").Val(); len(keys) != 1 {
			t.Errorf("schema %q: a refused start wrote %v", tc.stored, keys)
		}
	}
}

// Redis of schema 1 (no version) is migrated once, however many replicas
// start at once: its dead Slack jobs move to the queue's hash slot, every
// field kept, and replay from there.
func TestSchemaMigrationFrom1(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	rdb := plainClient(t, srv)
	const jobs = 250 // more than one page
	for i := range jobs {
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: "noctuary:v1:slack:jobs:dead",
			Values: []any{"e", fmt.Sprintf(`{"n":%d}`, i), "reason", "channel_not_found", "stream_id", fmt.Sprintf("1-%d", i)}})
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := store.Open(ctx, srv.URL, store.Options{Logger: discard()})
			if err == nil {
				_ = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if n := rdb.Exists(ctx, "noctuary:v1:slack:jobs:dead").Val(); n != 0 {
		t.Error("the schema 1 stream is still there")
	}
	moved := rdb.XRange(ctx, "{noctuary:v1:slack:jobs}:dead", "-", "+").Val()
	if len(moved) != jobs {
		t.Fatalf("%d dead jobs after the migration, want %d", len(moved), jobs)
	}
	if m := moved[jobs-1].Values; m["e"] != `{"n":249}` || m["reason"] != "channel_not_found" || m["stream_id"] != "1-249" {
		t.Errorf("the last dead job moved as %v", m)
	}
	if got := rdb.Get(ctx, "noctuary:schema").Val(); got != fmt.Sprint(store.SchemaVersion) {
		t.Errorf("noctuary:schema = %q after the migration", got)
	}
	s := must[*store.Store](t)(store.Open(ctx, srv.URL, store.Options{Logger: discard()}))
	defer s.Close()
	if n, err := s.ReplayDeadSlackJobs(ctx); n != jobs || err != nil {
		t.Errorf("replayed %d migrated jobs (%v), want %d", n, err, jobs)
	}
	if n := rdb.XLen(ctx, "noctuary:v1:slack:jobs").Val(); n != jobs {
		t.Errorf("the queue holds %d jobs after the replay, want %d", n, jobs)
	}
}

// Redis that lost its data gets the schema version back with the rest.
func TestSchemaVersionRecovered(t *testing.T) {
	ctx := context.Background()
	w := openWiped(t, store.Options{})
	w.flushAll(t)
	if err := w.s.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.rdb.Get(ctx, "noctuary:schema").Val(); got != fmt.Sprint(store.SchemaVersion) {
		t.Errorf("noctuary:schema = %q after Recover, want %d", got, store.SchemaVersion)
	}
}

// Open with Existing writes nothing, whatever Redis holds: it refuses a
// Redis without Noctuary data, or of an older or newer key schema, with a
// sentence, and opens one of the current schema without creating the
// consumer groups or recording the integrations. Redis' count of changes
// (rdb_changes_since_last_save) and its keys are the same after.
func TestOpenExisting(t *testing.T) {
	ctx := context.Background()
	srv := storetest.StartRedis(t)
	rdb := plainClient(t, srv)
	opt := store.Options{Existing: true, Logger: discard(),
		Integrations: []noctuary.Integration{{ID: "prod", Environment: "prod", Token: "file-key"}}}
	for _, tc := range []struct {
		name     string
		seed     func()
		code     string // "": opens
		sentence string
	}{
		{"empty", func() {}, noctuary.ENotFound,
			"this Redis holds no Noctuary data (no noctuary:schema key): check NOCTUARY_REDIS_URL"},
		{"schema 1", func() {
			rdb.Set(ctx, "noctuary:v1:seeded", "1", 0)
			rdb.XAdd(ctx, &redis.XAddArgs{Stream: "noctuary:v1:slack:jobs:dead", Values: []any{"e", "{}", "reason", "channel_not_found"}})
		}, noctuary.EConflict, fmt.Sprintf("Redis holds Noctuary's data in key schema version 1, older than version %d that this Noctuary reads: run `noctuary serve` (one replica) to migrate first", store.SchemaVersion)},
		{"newer schema", func() { rdb.Set(ctx, "noctuary:schema", store.SchemaVersion+1, 0) }, noctuary.EConflict,
			fmt.Sprintf("Redis holds Noctuary's data in key schema version %d, newer than version %d that this Noctuary knows: run the Noctuary release that wrote it, or a newer one", store.SchemaVersion+1, store.SchemaVersion)},
		{"current schema, nothing else", func() { rdb.Set(ctx, "noctuary:schema", store.SchemaVersion, 0) }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := rdb.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			tc.seed()
			keys, changes := keysAndChanges(t, rdb)
			s, err := store.Open(ctx, srv.URL, opt)
			if err == nil {
				_ = s.Close()
			}
			if noctuary.ErrorCode(err) != tc.code || noctuary.ErrorMessage(err) != tc.sentence {
				t.Errorf("Open: %s %q (%v),\nwant %q %q", noctuary.ErrorCode(err), noctuary.ErrorMessage(err), err, tc.code, tc.sentence)
			}
			afterKeys, afterChanges := keysAndChanges(t, rdb)
			if fmt.Sprint(afterKeys) != fmt.Sprint(keys) || afterChanges != changes {
				t.Errorf("Open wrote: keys %v, then %v; changes %v, then %v", keys, afterKeys, changes, afterChanges)
			}
		})
	}
}

// keysAndChanges returns Redis' keys, sorted, and its count of writes.
func keysAndChanges(t *testing.T, rdb *redis.Client) ([]string, float64) {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	info, err := storetest.Info(ctx, rdb, "persistence")
	if err != nil {
		t.Fatal(err)
	}
	return keys, info["rdb_changes_since_last_save"]
}

package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// Default retentions.
const (
	DefaultEventRetention = 72 * time.Hour
	DefaultAuditRetention = 90 * 24 * time.Hour
)

// Options configures a Store. The zero value is usable.
type Options struct {
	// EventRetention is how long ContextEvents are kept (default 72h).
	EventRetention time.Duration
	// AuditRetention is how long audit entries are kept (default 90 days).
	AuditRetention time.Duration
	// Integrations come from the configuration; their secrets stay in memory.
	Integrations []noctuary.Integration
	// Actions are the declared actions per service key, from the configuration.
	Actions map[string][]noctuary.ActionSpec
	// Services are the declared services, from the configuration: when
	// Redis loses them, Recover and the lookups recreate them as declared.
	Services []noctuary.Service
	// WindowCacheEvents bounds the decoded ContextEvents that EventsInWindow
	// keeps in this process (default DefaultWindowCacheEvents; negative: no
	// cache, every window is read and decoded whole).
	WindowCacheEvents int
	// Registry receives the store's metrics (nil: not registered).
	Registry prometheus.Registerer
	// Now is the clock (default time.Now). It also dates stream entries, so
	// that receive times and retention follow one clock.
	Now func() time.Time
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
	// RedisMode says what the Redis URL points at: one Redis (the
	// default), a Redis Cluster or a master watched by Sentinel.
	RedisMode RedisMode
	// SentinelMaster names the master the sentinels watch (RedisSentinel).
	SentinelMaster string
	// Existing opens only a Redis that already holds Noctuary's data in
	// this version's key schema, and writes nothing while opening: a Redis
	// without noctuary:schema, or whose schema is older (needs migrating)
	// or newer, is refused, and the consumer groups and the integrations'
	// records are neither created nor recorded. For operator commands
	// (review, replay-dead, …) that must not seed or migrate a Redis they
	// were pointed at by mistake. What the Store does after Open may still
	// write.
	Existing bool
}

// Store keeps Noctuary's state in Redis: queues, events, settings, audit.
// It is safe for concurrent use.
type Store struct {
	rdb          redis.UniversalClient
	mini         *embedded
	opt          Options
	integrations map[string]noctuary.Integration
	log          *slog.Logger
	recoveries   *prometheus.CounterVec
	claimFrom    claimCursor
	cache        *windowCache // nil: off
	upkeep       upkeep
	group        groupCommit
}

// Open connects to the Redis at redisURL (redis:// or rediss://; in
// opt.RedisMode), or starts an embedded in-memory Redis when redisURL is "",
// checks the key schema version (see schema.go), and prepares the consumer
// groups and the integrations' non-secret records (with opt.Existing: only
// checks that Redis holds data of this key schema, writing nothing).
func Open(ctx context.Context, redisURL string, opt Options) (*Store, error) {
	s := &Store{opt: withDefaults(opt), integrations: map[string]noctuary.Integration{}}
	s.log = s.opt.Logger
	s.recoveries = newRecoveries(s.opt.Registry)
	if s.opt.WindowCacheEvents > 0 {
		s.cache = newWindowCache(s.opt.WindowCacheEvents)
	}
	for _, in := range s.opt.Integrations {
		s.integrations[in.ID] = in
	}
	if redisURL == "" {
		if s.opt.RedisMode != "" && s.opt.RedisMode != RedisStandalone {
			return nil, noctuary.Errorf(noctuary.EInvalid, "Redis %s mode needs a Redis URL: the embedded store is one in-memory Redis", s.opt.RedisMode)
		}
		m, err := startEmbedded()
		if err != nil {
			return nil, unavailable(err)
		}
		s.mini = m
		redisURL = "redis://" + m.addr()
		s.log.Warn("using the embedded in-memory store: data is not persisted; set NOCTUARY_REDIS_URL for production")
	}
	rdb, err := newClient(s.opt.RedisMode, redisURL, s.opt.SentinelMaster)
	if err != nil {
		s.stopEmbedded()
		return nil, err
	}
	s.rdb = rdb
	if err := s.prepare(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func withDefaults(opt Options) Options {
	if opt.EventRetention <= 0 {
		opt.EventRetention = DefaultEventRetention
	}
	if opt.AuditRetention <= 0 {
		opt.AuditRetention = DefaultAuditRetention
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.WindowCacheEvents == 0 {
		opt.WindowCacheEvents = DefaultWindowCacheEvents
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return opt
}

// prepare checks the connection and the key schema, creates the consumer
// groups and records the integrations; with Options.Existing it only checks.
func (s *Store) prepare(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	if s.opt.Existing {
		if err := s.checkExisting(ctx); err != nil {
			return err
		}
	} else {
		if err := s.checkSchema(ctx); err != nil {
			return err
		}
		if err := s.ensureGroups(ctx); err != nil {
			return err
		}
	}
	// AddEvents pipelines EVALSHA, which needs the script in Redis' cache
	// (the script cache, not a key).
	if err := addEventsScript.Load(ctx, s.rdb).Err(); err != nil {
		return unavailable(err)
	}
	if s.opt.Existing {
		return nil
	}
	return s.recordIntegrations(ctx)
}

// Close closes the connection and stops the embedded Redis, if any.
func (s *Store) Close() error {
	err := s.rdb.Close()
	s.stopEmbedded()
	return err
}

func (s *Store) stopEmbedded() {
	if s.mini != nil {
		s.mini.close()
	}
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.opt.Now() }

// unavailable wraps a Redis error; nil stays nil.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return noctuary.Wrap(err, noctuary.EUnavailable, "the store is unavailable")
}

// notFound returns an ENotFound error naming what was looked for.
func notFound(format string, args ...any) error {
	return noctuary.Errorf(noctuary.ENotFound, format, args...)
}

// isNil reports whether err is Redis' "no such key / nothing" reply.
func isNil(err error) bool { return errors.Is(err, redis.Nil) }

// msID returns the stream ID prefix (milliseconds since the epoch) of t,
// never below 0.
func msID(t time.Time) int64 { return max(t.UnixMilli(), 0) }

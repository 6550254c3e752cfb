package store

import (
	"cmp"
	"errors"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// RedisMode says what the Redis URL points at (Options.RedisMode).
type RedisMode string

// The Redis modes.
const (
	// RedisStandalone is one Redis: redis://[user:password@]host:port/db.
	RedisStandalone RedisMode = "standalone"
	// RedisCluster is a Redis Cluster; the URL lists some of its nodes, in
	// go-redis' cluster form: redis://host:7000?addr=host:7001&addr=host:7002.
	RedisCluster RedisMode = "cluster"
	// RedisSentinel is a master watched by Redis Sentinel; the URL lists the
	// sentinels the same way (its user and password are the sentinels';
	// the master's password goes in ?password=), and Options.SentinelMaster
	// names the master.
	RedisSentinel RedisMode = "sentinel"
)

// RedisModes are the valid modes, the default first.
var RedisModes = []RedisMode{RedisStandalone, RedisCluster, RedisSentinel}

// newClient connects to Redis in mode (standalone when "") at url. Commands
// fail fast (see failFast). Nothing is sent before the first command.
func newClient(mode RedisMode, url, master string) (redis.UniversalClient, error) {
	invalid := func(err error, example string) error {
		return noctuary.Errorf(noctuary.EInvalid, "the Redis URL is invalid for %s mode (%s); expected %s", cmp.Or(mode, RedisStandalone), urlProblem(err), example)
	}
	switch mode {
	case RedisStandalone, "":
		o, err := redis.ParseURL(url)
		if err != nil {
			return nil, invalid(err, "redis://[user:password@]host:port/db or rediss://...")
		}
		failFast(&o.ContextTimeoutEnabled, &o.MaxRetries, &o.DialerRetries, &o.DialerRetryTimeout, &o.DialTimeout)
		return redis.NewClient(o), nil
	case RedisCluster:
		o, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, invalid(err, "redis://host:7000?addr=host:7001&addr=host:7002")
		}
		failFast(&o.ContextTimeoutEnabled, &o.MaxRetries, &o.DialerRetries, &o.DialerRetryTimeout, &o.DialTimeout)
		return redis.NewClusterClient(o), nil
	case RedisSentinel:
		o, err := redis.ParseFailoverURL(url)
		if err != nil {
			return nil, invalid(err, "redis://sentinel1:26379?addr=sentinel2:26379&password=<master's password>")
		}
		if master == "" {
			return nil, noctuary.Errorf(noctuary.EInvalid, "sentinel mode needs the name of the master the sentinels watch")
		}
		o.MasterName = master
		failFast(&o.ContextTimeoutEnabled, &o.MaxRetries, &o.DialerRetries, &o.DialerRetryTimeout, &o.DialTimeout)
		return redis.NewFailoverClient(o), nil
	default:
		return nil, noctuary.Errorf(noctuary.EInvalid, "Redis mode %q is not one of %v", mode, RedisModes)
	}
}

// urlProblem describes why go-redis refused a Redis URL without quoting the
// URL, which may hold a password: the parse error of a string that is no URL
// at all quotes it whole, go-redis' own errors name only options.
func urlProblem(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return "it does not parse as a URL"
	}
	return err.Error()
}

// failFast makes commands honour context deadlines and give up within about
// a second when Redis is down, rather than go-redis' several seconds of
// retries: callers answer 503 and their clients retry. Its arguments are the
// fields of the same names in go-redis' options of each mode; values set in
// the URL are kept.
func failFast(contextTimeout *bool, maxRetries, dialerRetries *int, dialerRetryTimeout, dialTimeout *time.Duration) {
	*contextTimeout = true
	if *maxRetries == 0 {
		*maxRetries = 2
	}
	if *dialerRetries == 0 {
		*dialerRetries = 2
	}
	if *dialerRetryTimeout == 0 {
		*dialerRetryTimeout = 50 * time.Millisecond
	}
	if *dialTimeout == 0 {
		*dialTimeout = 2 * time.Second
	}
}

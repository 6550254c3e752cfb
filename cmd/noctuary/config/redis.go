package config

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisMode is a value of NOCTUARY_REDIS_MODE: the form of NOCTUARY_REDIS_URL
// it expects (a phrase and an example) and go-redis' parser of that form.
type redisMode struct {
	name, url, example string
	parse              func(string) error
}

// redisModes are the values of NOCTUARY_REDIS_MODE, the default first.
var redisModes = []redisMode{
	{"standalone", "a redis:// URL of one Redis", "redis://localhost:6379/0",
		func(u string) error { _, err := redis.ParseURL(u); return err }},
	{"cluster", "a redis:// URL listing some of the cluster's nodes", "redis://host:7000?addr=host:7001&addr=host:7002",
		func(u string) error {
			if p, _ := url.Parse(u); strings.Trim(p.Path, "/0") != "" {
				return errors.New("a Redis Cluster has only database 0")
			}
			_, err := redis.ParseClusterURL(u)
			return err
		}},
	{"sentinel", "a redis:// URL listing the sentinels (their user and password; the master's goes in ?password=)",
		"redis://host:26379?addr=host2:26379&password=<master's password>",
		func(u string) error { _, err := redis.ParseFailoverURL(u); return err }},
}

// redis checks the Redis settings together: the mode ("" is standalone),
// its URL in the form the mode expects, and the sentinels' master. file is
// the settings: section, to tell a URL refused already from none.
func (l *loader) redis(file map[string]text) {
	c := l.cfg
	mode := cmp.Or(c.RedisMode, "standalone")
	i := slices.IndexFunc(redisModes, func(m redisMode) bool { return m.name == mode })
	if i < 0 {
		l.add("NOCTUARY_REDIS_MODE: %q is not a Redis mode; use standalone (one Redis, the default), cluster (a Redis Cluster) or sentinel (a master watched by Redis Sentinel)", c.RedisMode)
		return
	}
	m := redisModes[i]
	switch {
	case mode == "sentinel" && c.RedisSentinelMaster == "":
		l.add("NOCTUARY_REDIS_SENTINEL_MASTER: sentinel mode needs the name of the master the sentinels watch (the <name> of their 'sentinel monitor <name> <host> <port> <quorum>'), e.g. mymaster")
	case mode != "sentinel" && c.RedisSentinelMaster != "":
		l.add("NOCTUARY_REDIS_SENTINEL_MASTER is set but NOCTUARY_REDIS_MODE is %s: set NOCTUARY_REDIS_MODE=sentinel, or unset the master's name", mode)
	}
	if c.RedisURL == "" {
		env, _ := l.lookup("NOCTUARY_REDIS_URL")
		if given := env != "" || file["redis_url"].Line != 0; !given && mode != "standalone" {
			l.add("NOCTUARY_REDIS_MODE: %s mode needs NOCTUARY_REDIS_URL, %s, e.g. %s; the embedded store is one in-memory Redis",
				mode, m.url, m.example)
		}
		return
	}
	// The URL parsed already (redisURL): go-redis' errors now name options,
	// never the URL, which may hold a password.
	if err := m.parse(c.RedisURL); err != nil {
		l.add("NOCTUARY_REDIS_URL: is not %s in %s mode (%v); e.g. %s", m.url, mode, err, m.example)
	}
}

package config

import "testing"

func TestRedisModeProblems(t *testing.T) {
	const cluster = "redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"
	tests := []struct {
		name, file string
		vars       map[string]string
		want       []string
	}{
		{"standalone by default", "", map[string]string{"NOCTUARY_REDIS_URL": "redis://r:6379/2"}, nil},
		{"cluster", "", map[string]string{"NOCTUARY_REDIS_MODE": "cluster", "NOCTUARY_REDIS_URL": cluster}, nil},
		{"cluster from the file", "settings:\n  redis_mode: cluster\n  redis_url: " + cluster + "\n", nil, nil},
		{"sentinel", "", map[string]string{"NOCTUARY_REDIS_MODE": "sentinel", "NOCTUARY_REDIS_SENTINEL_MASTER": "mymaster",
			"NOCTUARY_REDIS_URL": "redis://s1:26379?addr=s2:26379&password=pw"}, nil},
		{"unknown mode", "", map[string]string{"NOCTUARY_REDIS_MODE": "replicated", "NOCTUARY_REDIS_URL": "redis://r:6379"},
			[]string{`NOCTUARY_REDIS_MODE: "replicated" is not a Redis mode; use standalone (one Redis, the default), cluster (a Redis Cluster) or sentinel (a master watched by Redis Sentinel)`}},
		{"cluster without a URL", "", map[string]string{"NOCTUARY_REDIS_MODE": "cluster"},
			[]string{`NOCTUARY_REDIS_MODE: cluster mode needs NOCTUARY_REDIS_URL, a redis:// URL listing some of the cluster's nodes, e.g. redis://host:7000?addr=host:7001&addr=host:7002; the embedded store is one in-memory Redis`}},
		{"a refused URL is reported once", "", map[string]string{"NOCTUARY_REDIS_MODE": "cluster", "NOCTUARY_REDIS_URL": "http://r:7000"},
			[]string{`NOCTUARY_REDIS_URL: must be a redis:// or rediss:// URL, e.g. redis://localhost:6379/0`}},
		{"cluster node not host:port", "", map[string]string{"NOCTUARY_REDIS_MODE": "cluster", "NOCTUARY_REDIS_URL": "redis://r:7000?addr=r2"},
			[]string{`NOCTUARY_REDIS_URL: is not a redis:// URL listing some of the cluster's nodes in cluster mode (redis: unable to parse addr param: r2); e.g. redis://host:7000?addr=host:7001&addr=host:7002`}},
		{"cluster database", "", map[string]string{"NOCTUARY_REDIS_MODE": "cluster", "NOCTUARY_REDIS_URL": "redis://r:7000/3"},
			[]string{`NOCTUARY_REDIS_URL: is not a redis:// URL listing some of the cluster's nodes in cluster mode (a Redis Cluster has only database 0); e.g. redis://host:7000?addr=host:7001&addr=host:7002`}},
		{"standalone option", "", map[string]string{"NOCTUARY_REDIS_URL": "redis://u:secret@r:6379?colour=blue"},
			[]string{`NOCTUARY_REDIS_URL: is not a redis:// URL of one Redis in standalone mode (redis: unexpected option: colour); e.g. redis://localhost:6379/0`}},
		{"sentinel without its master", "", map[string]string{"NOCTUARY_REDIS_MODE": "sentinel", "NOCTUARY_REDIS_URL": "redis://s1:26379"},
			[]string{`NOCTUARY_REDIS_SENTINEL_MASTER: sentinel mode needs the name of the master the sentinels watch (the <name> of their 'sentinel monitor <name> <host> <port> <quorum>'), e.g. mymaster`}},
		{"a master without sentinel mode", "", map[string]string{"NOCTUARY_REDIS_SENTINEL_MASTER": "mymaster", "NOCTUARY_REDIS_URL": "redis://r:6379"},
			[]string{`NOCTUARY_REDIS_SENTINEL_MASTER is set but NOCTUARY_REDIS_MODE is standalone: set NOCTUARY_REDIS_MODE=sentinel, or unset the master's name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, tt.file, tt.vars, tt.want)
		})
	}
}

func TestRedisModeSettings(t *testing.T) {
	cfg, err := Parse(nil, "", env(map[string]string{"NOCTUARY_REDIS_MODE": "sentinel", "NOCTUARY_REDIS_SENTINEL_MASTER": "mymaster",
		"NOCTUARY_REDIS_URL": "redis://s1:26379?addr=s2:26379"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisMode != "sentinel" || cfg.RedisSentinelMaster != "mymaster" || cfg.RedisURL != "redis://s1:26379?addr=s2:26379" {
		t.Errorf("mode %q, master %q, URL %q", cfg.RedisMode, cfg.RedisSentinelMaster, cfg.RedisURL)
	}
}

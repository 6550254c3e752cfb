package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

// The domains widened on holdout3 (query plan, serialization, and causes
// of connection pool, auth, cache and memory), each with a case where the
// domain must not pull a candidate that is not of it.
func TestWidenedDomains(t *testing.T) {
	dep := func(id, hms, summary string) noctuary.ContextEvent {
		return event(id, "postgres-main", "deploy", "argocd", hms, summary, nil)
	}
	late := deployAt("late", "02:12:00", "checkout deployed: tweak button colour", map[string]string{"sha": "b1", "previous_sha": "a0"})
	for _, tt := range []struct {
		name, title, want string
		events            []noctuary.ContextEvent
	}{
		{"a dropped index before seq scans", "checkout: slow query on orders (seq scan, 4s)", "idx",
			[]noctuary.ContextEvent{event("idx", "postgres-main", "migration", "django", "02:00:00", "Applying 0087_replace_partial_index... OK", nil), late}},
		{"not: seq scans do not point at an unrelated migration word", "checkout: slow query on orders (seq scan, 4s)", "late",
			[]noctuary.ContextEvent{dep("img", "02:00:00", "postgres-main sidecar image bumped"), late}},
		{"a serializer replaced before decode errors", "checkout: SerializationException: Unknown magic byte!", "ser",
			[]noctuary.ContextEvent{dep("ser", "02:00:00", "refactor: replace KafkaAvroSerializer with JsonSerializer"), late}},
		{"not: decode errors are no evidence against a later change of another domain", "checkout: 5xx rate high", "late",
			[]noctuary.ContextEvent{dep("ser", "02:00:00", "refactor: replace KafkaAvroSerializer with JsonSerializer"), late}},
		{"a concurrency raise before too many clients", "checkout: FATAL: sorry, too many clients already", "conc",
			[]noctuary.ContextEvent{event("conc", "checkout", "config_change", "heroku", "02:00:00", "Set WORKER_CONCURRENCY 10 -> 50", nil), late}},
		{"a password required before NOAUTH", "checkout: NOAUTH Authentication required.", "pw",
			[]noctuary.ContextEvent{event("pw", "postgres-main", "config_change", "ansible", "02:00:00", "set requirepass on redis-1", nil), late}},
		{"a VCL that passes the cache before the hit ratio fell", "checkout: CDN cache hit ratio 3%", "vcl",
			[]noctuary.ContextEvent{event("vcl", "postgres-main", "cdn_config", "fastly", "02:00:00", "version 418 activated (vcl_recv: return(pass))", nil), late}},
		{"a cgroup change before OOMKills", "checkout OOMKilled repeatedly", "cg",
			[]noctuary.ContextEvent{event("cg", "postgres-main", "node_pool_upgrade", "gke", "02:00:00", "image cos-105 -> cos-113 (cgroup v2)", nil), late}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := titled(tt.title, tt.events...)
			if res.Cause == nil || res.Cause.Event.ID != tt.want {
				t.Errorf("cause = %+v, want %s\n%s", res.Cause, tt.want, res.Hypothesis)
			}
		})
	}
}

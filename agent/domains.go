package agent

import (
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// A domain ties failure words to the changes that typically cause them: TLS
// handshake errors to a TLS or CA change, connection refused to a listener
// or protocol change, deadlocks to a migration. When the incident's title or
// a failure signal shows a domain's symptoms, a candidate in that domain is
// preferred (docs/architecture.md, "Ranking rules").
type domain struct {
	name     string
	symptoms []string // terms of the failures (see text.match)
	causes   []string // terms of the candidate: kind, summary, attributes
}

var domains = []domain{
	{"TLS", []string{"tls ", "ssl ", "ssl3", "handshake", "x509", "certificate", "cert ", "unknown authority", "bad certificate",
		"wrong version number", "record overflow"},
		[]string{"tls ", "ssl ", "cert", "x509", "mtls", "cipher", "issuer", "truststore", "trust bundle", "ca bundle",
			"ca cert", "root ca", "intermediate", "acme", "letsencrypt", "encryption", "https"}},
	{"connection", []string{"connection refused", "econnrefused", "connection reset", "econnreset", "no healthy upstream",
		"upstream connect error", "protocol error", "unexpected eof", "broken pipe", "http2", "h2 ", "goaway",
		"too many pings", "enhance your calm", "closing transport", "transport is closing"},
		[]string{"listener", "listen ", "port ", "ports ", "targetport", "protocol", "http2", "h2c", "grpc", "bind ",
			"ingress", "envoy", "istio", "sidecar", "keepalive", "proxy", "service mesh", "gateway", "idle timeout",
			"virtualservice", "destinationrule", "peerauthentication", "outlier", "circuit break", "linkerd"}},
	{"database locks", []string{"deadlock", "lock wait", "lock timeout", "locks ", "lock contention", "blocked queries",
		"canceling statement", "statement timeout", "exclusive lock", "accessexclusivelock", "waiting for lock",
		"waiting on lock", "lock not available", "blocked by"},
		[]string{"migration", "migrat", "schema", "alter ", "index", "ddl ", "add column", "drop column", "table ", "vacuum",
			"materialized view", "lock table", "cluster "}},
	{"memory", []string{"oom", "out of memory", "memory", "heap", "gc pause", "oomkilled"},
		[]string{"memory", "heap", "xmx", "jvm", "gomemlimit", "limits", "cache size", "buffer", "resources", "maxmemory",
			"eviction polic", "noeviction", "cgroup"}},
	{"DNS", []string{"dns", "nxdomain", "no such host", "servfail", "name resolution", "resolve", "lookup "},
		[]string{"dns", "resolver", "coredns", "route53", "cname", "record ", "records ", "hosted zone", "ndots",
			"corefile", "autopath", "nodelocaldns", "resolv"}},
	{"connection pool", []string{"too many connections", "pool exhausted", "connection pool", "max connections",
		"max_connections", "remaining connection slots", "too many clients", "connection limit", "max number of clients"},
		[]string{"pool", "max connections", "maxconn", "pgbouncer", "connections", "replica", "scale", "maxclients",
			"max clients", "concurren", "threads", "workers"}},
	{"auth", []string{"401 ", "403 ", "unauthorized", "forbidden", "permission denied", "access denied", "accessdenied",
		"invalid token", "authentication failed", "expired token", "invalid credentials", "noauth", "wrongpass",
		"authentication required", "auth failed", "not authorized", "login failed"},
		[]string{"iam ", "role ", "policy", "rbac", "secret", "credential", "token", "password", "permission",
			"serviceaccount", "service account", "api key", "oauth", "jwks", "key rotation", "acl ", "setuser", "grant ",
			"revoke ", "user ", "waf", "firewall", "ruleset", "security group", "network policy", "networkpolicy",
			"allowlist", "denylist", "managed rule", "requirepass", "masterauth", "authentication", "auth "}},
	{"rate limit", []string{"429 ", "rate limit", "ratelimit", "throttl", "quota", "too many requests"},
		[]string{"rate limit", "ratelimit", "quota", "throttl", "burst", "limiter", "concurren"}},
	{"schema", []string{"column ", "relation ", "no such table", "unknown column", "undefined column", "undefinedcolumn",
		"undefined table", "no such column"},
		[]string{"migration", "migrat", "schema", "alter ", "ddl ", "column", "rename", "drop table"}},
	{"size limits", []string{"too large", "toolarge", "message size", "payload too large", "413 ", "max size", "exceeds the maximum",
		"larger than max", "larger than the max"},
		[]string{"max bytes", "max size", "body size", "max request", "max message", "message max", "size limit",
			"fetch max", "max payload", "pagination", "page size"}},
	{"nodes", []string{"evicted", "drained", "drain ", "node not ready", "preempted", "failedscheduling", "insufficient cpu",
		"insufficient memory", "node pool"},
		[]string{"node pool", "nodepool", "node group", "nodegroup", "drain", "cordon", "max unavailable", "surge",
			"kubelet", "instance type", "machine type"}},
	{"timeout", []string{"timeout", "timed out", "deadline exceeded", "context deadline"},
		[]string{"timeout", "deadline", "retries", "retry"}},
	{"disk", []string{"no space", "disk full", "disk pressure", "diskpressure", "disk usage", "volume full", "inodes"},
		[]string{"log level", "loglevel", "debug", "verbose", "retention", "volume", "pvc", "disk", "logging"}},
	{"replication", []string{"not enough replicas", "notenoughreplicas", "fewer in sync replicas", "under replicated",
		"underreplicated", "under min isr", "underminisr", "not leader", "notleader", "leader not available", "no leader",
		"isr shrink"},
		[]string{"broker", "rolling restart", "rolling update", "replica", "min insync", "insync", "reassign",
			"leader election", "unclean", "acks "}},
	{"consumers", []string{"consumer lag", "rebalanc", "lag ", "backlog", "offsets", "dead letter", "dlq", "redeliver",
		"oldest message", "visibility timeout", "duplicate messages"},
		[]string{"consumer", "max poll", "partitions", "session timeout", "batch size", "kafka", "topic", "visibility",
			"redrive", "sqs", "queue attribute", "maxreceivecount", "prefetch", "ack deadline"}},
	{"failover", []string{"readonly", "read only replica", "read only transaction", "not master", "not primary",
		"notprimary", "no primary", "terminating connection due to administrator command"},
		[]string{"failover", "switchover", "switch master", "promot", "reboot", "primary", "master", "multi az"}},
	// Transaction isolation: serialization failures after the isolation
	// level was raised.
	{"isolation", []string{"could not serialize", "serialization failure", "40001 "},
		[]string{"isolation", "serializable", "repeatable read"}},
	// File descriptors: a process out of them after its limit was cut.
	{"file descriptors", []string{"too many open files", "emfile", "file descriptor"},
		[]string{"nofile", "ulimit", "file descriptor", "limitnofile", "fd limit", "max open files", "open files"}},
	// A cache that stopped absorbing load: its misses and a stampede on
	// the origin follow a shorter TTL, a flush or an eviction change.
	{"cache", []string{"cache miss", "miss ratio", "miss rate", "hit ratio", "hit rate", "thundering herd", "stampede",
		"cold cache"},
		[]string{"ttl", "cache", "evict", "purge", "flush", "invalidat", "vcl", "pass ", "bypass", "no store", "nostore"}},
	// A query plan that changed: sequential scans and slow queries after
	// an index was dropped or replaced, or statistics were reset.
	{"query plan", []string{"seq scan", "sequential scan", "full table scan", "slow query", "missing index", "query plan"},
		[]string{"index", "migrat", "analyze", "statistics", "planner"}},
	// Serialization: a consumer that cannot decode what a producer now
	// writes (Avro's magic byte, a protobuf wire type).
	{"serialization", []string{"magic byte", "serializationexception", "serialization exception", "deserializ",
		"wire type", "invalid encoding", "decode error", "decoding error"},
		[]string{"serializ", "avro", "protobuf", "schema registry", "codec", "encoding", "wire format"}},
	// An API contract: a caller gets "unimplemented" or "unknown method"
	// when a dependency removed or renamed what it calls.
	{"API contract", []string{"unimplemented", "unknown method", "method not found", "no such method", "unknown service",
		"not implemented", "unknown field", "unrecognized field", "cannot unmarshal", "cannot deserialize",
		"failed to deserialize", "no route matched", "endpoint not found", "api version", "cannot query field",
		"unknown argument", "cannot return null", "unknown command", "crossslot"},
		[]string{"remov", "deprecat", "breaking", "rpc", "proto", "endpoint", "api version", "contract", "renam", "openapi",
			"graphql", "field ", "upgrad", "module", "cluster mode"}},
	{"clock", []string{"clock skew", "not yet valid", "used before issued", "iat ", "nbf ", "requesttimetooskewed",
		"time too skewed", "signature expired", "clock drift"},
		[]string{"ntp", "chrony", "clock", "time sync", "timesync", "hwclock"}},
}

// evidencedDomains returns, for each domain, whether the incident's title
// shows its symptoms and which failure signals do (by index). Service names
// are no evidence (see scoring.domainWords).
func evidencedDomains(sc *scoring) [][]int {
	out := make([][]int, len(domains))
	add := func(i int, set uint64) {
		for d := range domains {
			if set&(1<<d) != 0 {
				out[d] = append(out[d], i)
			}
		}
	}
	add(-1, sc.titleText.groups(domainSymptoms))
	for i, s := range sc.all {
		switch {
		case s.Class != noctuary.ClassFailure:
		case sc.plainWords(i):
			add(i, sc.info[i].symptomGroups)
		default:
			add(i, sc.domainWords(i).groups(domainSymptoms))
		}
	}
	return out
}

// withoutNames removes each name (a service key) from t, spaced or glued
// ("api ratelimit", "apiratelimit"), and the words that start with one of
// its distinctive words (minNameWord letters or more: "ratelimiter" for
// "ratelimit"; not "maintenance" for "main").
func withoutNames(t text, names ...string) text {
	s := string(t)
	var words []string
	for _, n := range names {
		nt := strings.TrimSpace(string(textOf(n)))
		if nt == "" {
			continue
		}
		s = strings.ReplaceAll(s, " "+nt+" ", " ")
		s = strings.ReplaceAll(s, " "+strings.ReplaceAll(nt, " ", "")+" ", " ")
		for _, w := range strings.Fields(nt) {
			if len(w) >= minNameWord {
				words = append(words, w)
			}
		}
	}
	if len(words) == 0 {
		return text(s)
	}
	fields := strings.Fields(s)
	kept := fields[:0]
	for _, f := range fields {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(f, w) }) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return " "
	}
	return text(" " + strings.Join(kept, " ") + " ")
}

// names reports whether t holds the service name, spaced or glued
// ("orders mongo", "ordersmongo").
func names(t text, name string) bool { return nameFormsOf(name).in(t) }

// nameForms are a service name as text matches it: spaced (" orders mongo
// ") and glued (" ordersmongo "); both "" when the name has no words.
type nameForms struct{ spaced, glued string }

func nameFormsOf(name string) nameForms {
	nt := strings.TrimSpace(string(textOf(name)))
	if nt == "" {
		return nameForms{}
	}
	return nameForms{" " + nt + " ", " " + strings.ReplaceAll(nt, " ", "") + " "}
}

// in reports whether t holds the name (see names).
func (f nameForms) in(t text) bool {
	return f.spaced != "" && (strings.Contains(string(t), f.spaced) || strings.Contains(string(t), f.glued))
}

// minNameWord is the length from which a word of a service's name is
// distinctive enough to remove wherever a word starts with it.
const minNameWord = 6

// domainMatch returns the first domain whose symptoms show in the title or
// in a failure signal other than candidate i, and whose cause terms
// candidate i's kind, summary or attributes hold: its name and the symptom
// term, or "", "". The paging service's name is no cause term (its own
// deploy "api-ratelimit:1.44.0 synced" is no rate limit change), but the
// candidate's own service's is (a change of coredns is a DNS change).
func domainMatch(i int, sc *scoring) (string, string) {
	var causes uint64
	if sc.info[i].keyTouches(sc.svc.Key, sc.key) {
		causes = withoutNames(sc.words(i), sc.svc.Key).groups(domainCauses)
	} else {
		causes = sc.info[i].causeGroups()
	}
	for d, dom := range domains {
		if causes&(1<<d) == 0 {
			continue
		}
		for _, j := range sc.evidence[d] {
			if j == i {
				continue
			}
			src := sc.titleText
			if j >= 0 {
				src = sc.domainWords(j)
			}
			return dom.name, src.first(domainSymptomIndex[d])
		}
	}
	return "", ""
}

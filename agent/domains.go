package agent

import "github.com/noctuary/noctuary"

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
		"upstream connect error", "protocol error", "unexpected eof", "broken pipe", "http2", "h2 "},
		[]string{"listener", "listen ", "port ", "ports ", "targetport", "protocol", "http2", "h2c", "grpc", "bind ",
			"ingress", "envoy", "istio", "sidecar", "keepalive", "proxy", "service mesh", "gateway"}},
	{"database locks", []string{"deadlock", "lock wait", "lock timeout", "locks ", "lock contention", "blocked queries",
		"canceling statement", "statement timeout"},
		[]string{"migration", "migrat", "schema", "alter ", "index", "ddl ", "add column", "drop column", "table ", "vacuum"}},
	{"memory", []string{"oom", "out of memory", "memory", "heap", "gc pause", "oomkilled"},
		[]string{"memory", "heap", "xmx", "jvm", "gomemlimit", "limits", "cache size", "buffer", "resources"}},
	{"DNS", []string{"dns", "nxdomain", "no such host", "servfail", "name resolution", "resolve"},
		[]string{"dns", "resolver", "coredns", "route53", "cname", "record ", "records ", "hosted zone", "ndots"}},
	{"connection pool", []string{"too many connections", "pool exhausted", "connection pool", "max connections",
		"max_connections", "remaining connection slots", "too many clients", "connection limit"},
		[]string{"pool", "max connections", "maxconn", "pgbouncer", "connections", "replicas", "scale"}},
	{"auth", []string{"401 ", "403 ", "unauthorized", "forbidden", "permission denied", "access denied", "accessdenied",
		"invalid token", "authentication failed", "expired token", "invalid credentials", "noauth", "wrongpass",
		"authentication required", "auth failed", "not authorized", "login failed"},
		[]string{"iam ", "role ", "policy", "rbac", "secret", "credential", "token", "password", "permission",
			"serviceaccount", "service account", "api key", "oauth", "jwks", "key rotation", "acl ", "setuser", "grant ",
			"revoke ", "user "}},
	{"rate limit", []string{"429 ", "rate limit", "ratelimit", "throttl", "quota", "too many requests"},
		[]string{"rate limit", "ratelimit", "quota", "throttl", "burst", "limiter"}},
	{"schema", []string{"column ", "relation ", "no such table", "unknown column", "undefined column", "undefinedcolumn",
		"undefined table", "no such column"},
		[]string{"migration", "migrat", "schema", "alter ", "ddl ", "column", "rename", "drop table"}},
	{"size limits", []string{"too large", "toolarge", "message size", "payload too large", "413 ", "max size", "exceeds the maximum"},
		[]string{"max bytes", "max size", "body size", "max request", "max message", "message max", "size limit",
			"fetch max", "max payload"}},
	{"nodes", []string{"evicted", "drained", "drain ", "node not ready", "preempted", "failedscheduling", "insufficient cpu",
		"insufficient memory", "node pool"},
		[]string{"node pool", "nodepool", "node group", "nodegroup", "drain", "cordon", "max unavailable", "surge",
			"kubelet", "instance type", "machine type"}},
	{"timeout", []string{"timeout", "timed out", "deadline exceeded", "context deadline"},
		[]string{"timeout", "deadline", "retries", "retry"}},
	{"disk", []string{"no space", "disk full", "disk pressure", "diskpressure", "disk usage", "volume full", "inodes"},
		[]string{"log level", "loglevel", "debug", "verbose", "retention", "volume", "pvc", "disk", "logging"}},
	{"consumers", []string{"consumer lag", "rebalanc", "lag ", "backlog", "offsets"},
		[]string{"consumer", "max poll", "partitions", "session timeout", "batch size", "kafka", "topic"}},
}

// evidencedDomains returns, for each domain, whether the incident's title
// shows its symptoms and which failure signals do (by index).
func evidencedDomains(title string, all []noctuary.Signal) [][]int {
	t := textOf(title)
	out := make([][]int, len(domains))
	for d, dom := range domains {
		if t.match(dom.symptoms) != "" {
			out[d] = append(out[d], -1)
		}
		for i, s := range all {
			if s.Class == noctuary.ClassFailure && eventText(s.Event).match(dom.symptoms) != "" {
				out[d] = append(out[d], i)
			}
		}
	}
	return out
}

// domainMatch returns the first domain whose symptoms show in the title or
// in a failure signal other than candidate i, and whose cause terms
// candidate i's kind, summary or attributes hold: its name and the symptom
// term, or "", "".
func domainMatch(i int, sc *scoring) (string, string) {
	t := eventText(sc.all[i].Event)
	for d, dom := range domains {
		if t.match(dom.causes) == "" {
			continue
		}
		for _, j := range sc.evidence[d] {
			if j == i {
				continue
			}
			src := textOf(sc.title)
			if j >= 0 {
				src = eventText(sc.all[j].Event)
			}
			return dom.name, src.match(dom.symptoms)
		}
	}
	return "", ""
}

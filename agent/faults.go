package agent

import (
	"strings"

	"github.com/noctuary/noctuary"
)

// What a failure signal says about the cause (docs/architecture.md,
// "Ranking rules"):
//   - an infrastructure failure (a disk full, a certificate expired, a node
//     lost, a cloud zone or load balancer outage) breaks on its own, so it is
//     a candidate cause whenever it starts before onset, unless an earlier
//     one explains it: on the same service (a volume degraded, then its
//     node not ready), or anywhere when it is the paging service's own (it
//     runs on what failed);
//   - a symptom of the paging service itself (error rate, latency, 5xx, an
//     alert) is an effect, never a candidate;
//   - any other failure before onset (an OOMKill, evictions, a deadlock, a
//     dependency's errors) is a candidate when nothing that could have
//     caused it came before it: no change that counts or that only says it
//     is innocuous, no other failure.
type failureRole int

const (
	roleEffect failureRole = iota
	roleInfrastructure
	roleFirstFailure
)

// infraKinds and infraTerms recognise infrastructure failures by normalised
// kind (substring) or by the words of a kind that is not a symptom.
var (
	infraKinds = []string{"diskfull", "diskpressure", "nospace", "diskspace", "volumefull", "certexpir",
		"certificateexpir", "tlsexpir", "expired", "nodenotready", "notready", "nodedown", "nodefailure",
		"nodelost", "outage", "zone", "region", "loadbalancer", "hardware", "instanceretire", "kernel",
		"networkpartition", "volumedegraded", "impair", "unreachable", "failover", "switchmaster", "reboot", "interrupt", "watermark",
		"diskusage", "healthincident", "providerincident", "operationalissue", "servicehealth", "awshealth", "healthevent", "serviceissue", "sealed", "spot", "preempt",
		"filesystem", "inode", "etcd", "vendorstatus", "statuspage", "pleg", "kubelet", "sandbox", "cni", "attachvolume",
		"quota", "clockskew", "clockdrift", "timedrift",
		// A member lost from a cluster: an Elasticsearch node that left, a
		// Kafka broker out of the ISR, a replica or a peer lost.
		"nodeleft", "memberleft", "brokerleft", "leftcluster", "memberremoved", "memberdown", "brokerdown",
		"outofisr", "isrshrink", "replicalost", "peerlost", "nodefail",
		// Address and port tables of the network under the service.
		"portallocation", "snat", "conntrack", "ephemeralport"}
	infraTerms = []string{"no space left", "disk full", "disk is full", "disk space", "out of disk", "filesystem full",
		"certificate has expired", "certificate expired", "cert expired", "expired certificate", "certificate is expired",
		"node not ready", "notready ", "node lost", "node down", "availability zone", "zone outage", "region outage",
		"regional outage", "load balancer", "outage ", "hardware failure", "instance retirement", "volume degraded",
		"network partition", "kernel panic", "host unreachable", "inodes", "major outage ", "partial outage ",
		"database space exceeded", "read only index", "quota exceeded", "failed to assign an ip",
		"no available ip", "insufficient ip", "ip address exhaust", "pleg is not healthy", "flood stage",
		"clock skew", "clock drift", "clock offset", "time drift", "ntp ", "chrony", "failover ",
		"left the cluster", "node left", "member left", "removed from the cluster", "out of isr",
		"fell out of isr", "unassigned primary", "broker down", "marked as fail",
		"marked fail", "port allocation", "snat port", "conntrack", "source ports"}
	// symptomKinds are normalised kind substrings that say how a service
	// misbehaves rather than why.
	symptomKinds = []string{"error", "5xx", "4xx", "latency", "slow", "timeout", "timedout", "alert", "unhealthy",
		"exception", "saturat", "throttl", "sloburn", "slobreach", "sloviolation", "errorbudget", "apdex", "availability", "healthcheck", "probe", "panic", "http", "synthetic", "uptime", "anomal"}
)

// infrastructure reports whether a failure is an infrastructure failure:
// by its normalised kind k, or by its words (eventText) when its kind is
// not a symptom.
func infrastructure(k string, words text) bool {
	return infraKindIndex.within(k) || !symptomKind(k) && words.first(infraIndex) != ""
}

func symptomKind(k string) bool { return symptomKindIndex.within(k) }

// roleOf says what the failure sc.all[i] at or before onset is; failures
// after onset are effects. A failure is the first when no signal before it
// explains it (see explains).
func roleOf(i int, sc *scoring) failureRole {
	e := sc.all[i].Event
	switch {
	case e.OccurredAt.After(sc.onset):
		return roleEffect
	case sc.infra[i] && (sc.infraBefore(i) || sc.changedBefore(i)):
		return roleEffect
	case sc.infra[i]:
		return roleInfrastructure
	case sc.ownSymptom(i):
		return roleEffect
	case sc.explained && sc.explainedFrom.Before(e.OccurredAt):
		return roleEffect
	}
	return roleFirstFailure
}

// ownSymptom reports whether failure i is a symptom of the paging service:
// its kind says how a service misbehaves, or it is the incident's own alert
// (the title names its kind: "PdfRenderQueueStuck").
func (sc *scoring) ownSymptom(i int) bool {
	if !ownEvent(sc.all[i].Event, sc.svc) {
		return false
	}
	k := sc.info[i].kind
	return sc.info[i].symptomKind || (len(k) >= minAlertName && strings.Contains(sc.titleKind, k))
}

// minAlertName is the shortest kind that the title must hold for the
// failure to be the incident's own alert: shorter ones ("oom") are words.
const minAlertName = 8

// explains reports whether signal j may have caused the failures after it:
// a change that counts or that only says it is innocuous, or a failure
// other than a symptom of the paging service itself.
func (sc *scoring) explains(j int) bool {
	return sc.realChange[j] || strings.HasPrefix(sc.why[j], says) ||
		(sc.all[j].Class == noctuary.ClassFailure && !sc.ownSymptom(j))
}

// infraBefore reports whether an infrastructure failure earlier than
// failure i explains it: one of the same service, or any when i is the
// paging service's own.
func (sc *scoring) infraBefore(i int) bool {
	e := sc.all[i].Event
	if ownEvent(e, sc.svc) {
		return sc.firstInfra.Before(e.OccurredAt)
	}
	f, ok := sc.firstInfraOf[e.Service]
	return ok && f.Before(e.OccurredAt)
}

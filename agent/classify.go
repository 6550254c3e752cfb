package agent

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/noctuary/noctuary"
)

// KindClasses is the table of common ContextEvent kinds and their class. Keys
// are normalised by NormalizeKind (lower case, letters and digits only), so
// "OOMKilled", "oom_killed" and "OOM-Killed" all find "oomkilled". Kinds the
// table lacks are classified by keyword (see Classify).
var KindClasses = map[string]noctuary.Class{
	// Changes: something was altered around the service.
	"deploy": noctuary.ClassChange, "deployment": noctuary.ClassChange, "deployed": noctuary.ClassChange,
	"rollout": noctuary.ClassChange, "release": noctuary.ClassChange, "rollback": noctuary.ClassChange,
	"canary": noctuary.ClassChange, "promotion": noctuary.ClassChange, "sync": noctuary.ClassChange,
	"configchange": noctuary.ClassChange, "config": noctuary.ClassChange, "configmap": noctuary.ClassChange,
	"featureflag": noctuary.ClassChange, "flagchange": noctuary.ClassChange, "flag": noctuary.ClassChange,
	"migration": noctuary.ClassChange, "schemachange": noctuary.ClassChange,
	"scale": noctuary.ClassChange, "scaling": noctuary.ClassChange, "hpa": noctuary.ClassChange,
	"scalingreplicaset": noctuary.ClassChange, "infrachange": noctuary.ClassChange,
	"terraformapply": noctuary.ClassChange, "helmupgrade": noctuary.ClassChange, "upgrade": noctuary.ClassChange,
	"certrotation": noctuary.ClassChange, "secretrotation": noctuary.ClassChange, "dnschange": noctuary.ClassChange,
	"certificaterotation": noctuary.ClassChange, "keyrotation": noctuary.ClassChange, "rollingrestart": noctuary.ClassChange,
	"kubectlapply": noctuary.ClassChange, "kustomizationapplied": noctuary.ClassChange, "maintenance": noctuary.ClassChange,
	// Failure signals: something is going wrong.
	"oomkilled": noctuary.ClassFailure, "oomkill": noctuary.ClassFailure, "oom": noctuary.ClassFailure,
	"crashloopbackoff": noctuary.ClassFailure, "crashloop": noctuary.ClassFailure, "crash": noctuary.ClassFailure,
	"backoff": noctuary.ClassFailure, "imagepullbackoff": noctuary.ClassFailure, "errimagepull": noctuary.ClassFailure,
	"deadlock": noctuary.ClassFailure, "evicted": noctuary.ClassFailure, "eviction": noctuary.ClassFailure,
	"errorrate": noctuary.ClassFailure, "error": noctuary.ClassFailure, "exception": noctuary.ClassFailure,
	"panic": noctuary.ClassFailure, "highlatency": noctuary.ClassFailure, "latency": noctuary.ClassFailure,
	"certificateexpired": noctuary.ClassFailure, "certexpired": noctuary.ClassFailure,
	"outage": noctuary.ClassFailure, "podrestart": noctuary.ClassFailure, "unhealthy": noctuary.ClassFailure,
	"nodenotready": noctuary.ClassFailure, "failedscheduling": noctuary.ClassFailure,
	"diskfull": noctuary.ClassFailure, "diskpressure": noctuary.ClassFailure, "memorypressure": noctuary.ClassFailure,
	"saturation": noctuary.ClassFailure, "throttling": noctuary.ClassFailure, "timeout": noctuary.ClassFailure,
	"5xx": noctuary.ClassFailure, "http5xx": noctuary.ClassFailure, "alert": noctuary.ClassFailure,
	// A spike of client errors (413, 429, 401) is how a limit or a policy
	// that rejects requests shows.
	"4xx": noctuary.ClassFailure, "http4xx": noctuary.ClassFailure,
	"replicationlag": noctuary.ClassFailure, "connectionrefused": noctuary.ClassFailure,
	// A deployment that failed or errored (GitHub's deployment_status) is a
	// failure signal, unlike "deploy_failed", which the keywords make a change.
	"deploymentfailure": noctuary.ClassFailure, "deploymenterror": noctuary.ClassFailure,
	"connectionreset": noctuary.ClassFailure, "econnreset": noctuary.ClassFailure, "failover": noctuary.ClassFailure,
	"switchmaster": noctuary.ClassFailure, // Redis Sentinel's +switch-master: a failover
	// Information: context that is neither a change nor a failure.
	"info": noctuary.ClassInfo, "note": noctuary.ClassInfo, "annotation": noctuary.ClassInfo,
	"heartbeat": noctuary.ClassInfo, "backup": noctuary.ClassInfo, "cronjob": noctuary.ClassInfo,
	"jobcompleted": noctuary.ClassInfo, "healthcheck": noctuary.ClassInfo, "recovered": noctuary.ClassInfo,
	"resolved": noctuary.ClassInfo, "scheduled": noctuary.ClassInfo, "pulled": noctuary.ClassInfo,
	"started": noctuary.ClassInfo, "created": noctuary.ClassInfo, "logrotation": noctuary.ClassInfo,
	"certificaterenewed":   noctuary.ClassInfo,
	"scheduledmaintenance": noctuary.ClassInfo, "maintenancescheduled": noctuary.ClassInfo,
	"podrestarted": noctuary.ClassFailure, "containerrestarted": noctuary.ClassFailure, "killing": noctuary.ClassInfo,
	// A process or host that restarted or rebooted (RDS-EVENT-0006 "DB
	// instance restarted") dropped what it served; an ordered restart is
	// a "restart", a change.
	"restarted": noctuary.ClassFailure, "rebooted": noctuary.ClassFailure,
	"trafficshift": noctuary.ClassInfo, "loadtest": noctuary.ClassInfo,
	// A ReplicaSet creating or deleting pods follows a scaling or a rollout.
	"successfulcreate": noctuary.ClassInfo, "successfuldelete": noctuary.ClassInfo,
	"containercreating": noctuary.ClassInfo, "podcreated": noctuary.ClassInfo, "poddeleted": noctuary.ClassInfo,
}

// changeKeywords and failureKeywords classify kinds the table lacks, in this
// order: a kind holding a change keyword is a change even if it also holds a
// failure keyword ("deploy_failed" is a change that went wrong). A kind
// ending in one of failureSuffixes (CPUCreditBalanceLow, TempFilesHigh,
// cluster_health_red, ssl_chain_invalid) is a failure too. changeVerbs are
// weaker: a kind holding one is a change (iam_policy_version_created,
// dns_records_deleted) unless it also holds a failure keyword
// (FailedCreatePodSandBox is a failure).
var (
	changeVerbs = []string{"creat", "delet", "remov"}
	// changePrefixes are the mutating verbs that start API calls' names
	// (CloudTrail's SetQueueAttributes, PutBucketPolicy, DeregisterTargets),
	// as weak as changeVerbs.
	changePrefixes = []string{"set", "put", "attach", "detach", "enable", "disable", "register", "deregister",
		"replace", "revoke", "associate", "disassociate", "authorize", "add", "patch", "edit", "swap", "promote",
		"rename", "drop", "reset"}
	changeKeywords = []string{"deploy", "rollout", "rollback", "release", "config", "flag", "migrat", "scale", "upgrade",
		"change", "apply", "applied", "rotat", "restart", "modif", "upsert", "resiz", "updat", "flush", "purge", "reassign"}
	failureSuffixes = []string{"high", "low", "critical", "exceeded", "reached", "red", "lost", "waiting", "spike",
		"warning", "firing", "degraded", "stuck", "behind", "invalid", "issue", "left"}
	failureKeywords = []string{"oom", "crash", "fail", "error", "deadlock", "latency", "timeout", "timedout",
		"evict", "down", "outage", "saturat", "exhaust", "panic", "5xx", "unhealthy", "expir", "unavailable",
		"awshealth", "healthevent", "servicehealth", "operationalissue", "degrad", "notready", "pressure", "nospace",
		"unreachable", "refused", "killed", "lag", "toomany", "offline", "underreplicat", "reject", "retire", "interrupt",
		"quorum", "slow", "lockwait", "longrunning", "throttl", "incident", "watermark", "exceed", "limitreached",
		"fillingup", "mismatch", "nospc", "outofmemory", "maxmemory", "nothealthy", "pleg", "wraparound", "denied",
		"forbidden", "unauthorized", "isrshrink", "blocked", "impair", "skew", "clockdrift", "timedrift", "reboot", "dropped", "sealed",
		"anomal", "unassigned", "connreset", "connectionreset", "resetbypeer"}
)

// inertSubjects are what monitoring and communication tools edit: an
// updated dashboard, alert rule, silence or status page changes nothing that
// runs, and an incident's acknowledgement, handover or escalation is a
// responder's, so such kinds are information whatever change or failure
// word, or values before and after ("from: bob, to: carol"), they hold. A
// "monitor" is an alert's definition (Datadog's monitor_updated), unless
// it is a load balancer's health monitor, which routes traffic; shards
// unassigned are no incident's assignment.
var inertSubjects = []string{"dashboard", "alertrule", "silence", "statuspage", "runbook", "annotation", "monitor",
	"acknowledg", "handover", "handoff", "oncall", "escalat", "reassign", "assigned"}

// inert reports whether the normalised kind k is of an inert subject. A
// reassignment of partitions, replicas or shards moves data: no
// responder's.
func inert(k string) bool {
	for _, w := range inertSubjects {
		if strings.Contains(k, w) && !strings.Contains(k, "health"+w) && !strings.Contains(k, "un"+w) &&
			!(w == "reassign" && dataMove(k)) {
			return true
		}
	}
	return false
}

func dataMove(k string) bool {
	return slices.ContainsFunc([]string{"partition", "replica", "shard", "topic", "broker"}, func(w string) bool {
		return strings.Contains(k, w)
	})
}

// NormalizeKind returns kind in lower case with everything but letters and
// digits removed: the form of KindClasses' keys.
func NormalizeKind(kind string) string {
	if ascii(kind) {
		return normalizeASCII(kind)
	}
	var b strings.Builder
	for _, r := range strings.ToLower(kind) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeASCII is NormalizeKind of an ASCII kind: kind itself when it is
// already normal.
func normalizeASCII(kind string) string {
	normal := func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
	k := 0
	for k < len(kind) && normal(kind[k]) {
		k++
	}
	if k == len(kind) {
		return kind
	}
	b := make([]byte, k, len(kind))
	copy(b, kind)
	for ; k < len(kind); k++ {
		switch c := kind[k]; {
		case normal(c):
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// Classify says whether kind is a change, a failure signal or information:
// by KindClasses first, then by keyword (inert subjects; an alarm, even a
// CloudWatch "alarm_state_change", or an alert of any kind
// ("database_alert") that is not cleared; change keywords; failure keywords), and
// information when nothing matches.
func Classify(kind string) noctuary.Class { return classify(kind, NormalizeKind(kind)) }

// classify is Classify of kind, whose NormalizeKind is k.
func classify(kind, k string) noctuary.Class {
	if c, ok := KindClasses[k]; ok {
		return c
	}
	if inert(k) {
		return noctuary.ClassInfo
	}
	if strings.Contains(k, "alarm") || (strings.Contains(k, "alert") && !cleared(k)) {
		return noctuary.ClassFailure
	}
	for _, r := range keywordRules {
		for _, w := range r.words {
			if r.match(k, w) {
				return r.class
			}
		}
	}
	if lastVerb(kind) {
		return noctuary.ClassChange
	}
	return noctuary.ClassInfo
}

// keywordRules are Classify's keyword lists in the order they decide.
var keywordRules = []struct {
	words []string
	match func(k, w string) bool
	class noctuary.Class
}{
	{changeKeywords, strings.Contains, noctuary.ClassChange},
	{failureKeywords, strings.Contains, noctuary.ClassFailure},
	{failureSuffixes, strings.HasSuffix, noctuary.ClassFailure},
	{changeVerbs, strings.Contains, noctuary.ClassChange},
	{changePrefixes, strings.HasPrefix, noctuary.ClassChange},
}

// alertingSources are monitoring systems that report states, not changes: a
// "KubeDeploymentReplicasMismatch" from Alertmanager says a deployment is
// failing, not that one was made.
var alertingSources = []string{"alertmanager", "prometheus", "nagios", "zabbix", "icinga", "sensu"}

// failingStates are values of a status, state or severity attribute that
// report a failure: a provider's "major_outage", a check's "critical".
var failingStates = []string{"outage", "degraded", "critical", "down", "error", "fatal", "failing", "failed",
	"unavailable", "major", "partial"}

// orderedTerms say that a restart or eviction was ordered, not suffered: a
// "scheduled rollout restart" is routine, not a failure.
var orderedTerms = []string{"scheduled rollout", "scheduled restart", "planned restart", "rollout restart", "restart requested"}

// severePrefix matches a log line's severity: "ERROR: …", "[FATAL] …", "WARNING: …".
var severePrefix = regexp.MustCompile(`^\s*\[?(?i:warning|warn|error|err|fatal|panic|critical|crit|emerg|alert)\]?[:\s]`)

// ClassifyEvent classifies e by its kind (see Classify), then by what the
// event itself says: an alerting source reports a failure whatever its
// alert's name holds (but its silences and acknowledgements are inert), a failure whose summary says it was ordered ("scheduled
// rollout restart") is information, information whose status attribute reports a
// failing state, or whose summary starts with a log severity of warning or
// worse, is a failure signal, and information whose attributes pair a value
// before and after that differ (a renewal whose issuer changed), or that
// says a job started heavy work on data (heavyJob), is a change.
func ClassifyEvent(e noctuary.ContextEvent) noctuary.Class {
	return classifyEvent(e, NormalizeKind(e.Kind), "")
}

// classifyEvent is ClassifyEvent of e, whose kind's NormalizeKind is k and
// whose eventText is words ("": not computed yet).
func classifyEvent(e noctuary.ContextEvent, k string, words text) noctuary.Class {
	c := classify(e.Kind, k)
	src := strings.ToLower(e.Source)
	for _, a := range alertingSources {
		if strings.Contains(src, a) && !inert(k) {
			if _, known := KindClasses[k]; !known || c != noctuary.ClassInfo {
				return noctuary.ClassFailure
			}
		}
	}
	if c == noctuary.ClassFailure && textOf(e.Summary).match(orderedTerms) != "" {
		return noctuary.ClassInfo
	}
	if c != noctuary.ClassInfo {
		return c
	}
	if st := strings.ToLower(attr(e, "status", "state", "severity", "level", "indicator", "impact")); st != "" {
		for _, w := range failingStates {
			if strings.Contains(st, w) {
				return noctuary.ClassFailure
			}
		}
	}
	if severePrefix.MatchString(e.Summary) || redHealth(e) {
		return noctuary.ClassFailure
	}
	if c, ok := byEnvelope(e); ok {
		return c
	}
	if c, ok := bySummary(e, k); ok {
		return c
	}
	_, known := KindClasses[k]
	if !known && textOf(e.Summary).first(terminationIndex) != "" {
		return noctuary.ClassFailure
	}
	if inert(k) {
		return c
	}
	if setsValue(e) {
		return noctuary.ClassChange
	}
	if words == "" {
		words = eventText(e)
	}
	if heavyJob(k, words) || (!known && attr(e, actorKeys...) != "" && !readOnly(k)) {
		return noctuary.ClassChange
	}
	return c
}

// releaseVerbs say that a version went live.
var releaseVerbs = []string{"publish", "activat", "promot", "releas", "deploy", "launch", "rollout"}

// terminationTerms are the reasons a container or a process ended badly,
// and what a kernel writes when it drops work: an event of a kind the
// table lacks ("container_terminated", "kernel_log") whose summary gives
// one ("reason OOMKilled, exit code 137", "nf_conntrack: table full,
// dropping packet") is a failure.
var terminationTerms = []string{"oomkilled", "oom killed", "out of memory", "crashloopbackoff", "exit code 137",
	"exit code 139", "exit code 134", "segmentation fault", "segfault", "sigkill", "sigsegv", "imagepullbackoff",
	"errimagepull", "evicted ", "table full", "dropping packet", "i o error", "blocked for more than", "soft lockup",
	"hung task", "killed process", "read only file system"}

// healthKeys are attributes that give a cluster's health as a colour:
// Elasticsearch, OpenSearch and Consul report red when data or members
// are lost.
var healthKeys = []string{"health", "cluster_health", "cluster_status", "health_status"}

// redHealth reports whether e says a cluster's health is red.
func redHealth(e noctuary.ContextEvent) bool {
	return strings.EqualFold(attr(e, healthKeys...), "red")
}

// actorKeys name who ran an operation: an event of a kind the table lacks
// that names one ("consumer_group_reset" by an ops script) reports an act,
// a change, not a state.
var actorKeys = []string{"user", "actor", "operator", "initiated_by", "triggered_by", "executed_by", "performed_by"}

// readOnlyActs are kinds of acts that change nothing, or that an engineer
// does to look: a login, a view, a search, a shell or a port forward into
// a pod.
var readOnlyActs = []string{"login", "logout", "signin", "signout", "session", "view", "opened", "read", "search",
	"listed", "describ", "download", "export", "query", "exec", "attach", "portforward", "logs", "shell"}

func readOnly(k string) bool {
	return slices.ContainsFunc(readOnlyActs, func(w string) bool { return strings.Contains(k, w) })
}

// bySummary classifies an event whose kind is an opaque code (RDS-EVENT-0013,
// a Windows event ID: it holds a digit and Classify found nothing) by the
// words of its summary that KindClasses knows, a failure first: "A
// Multi-AZ failover … promotion of a standby" reports a failover.
func bySummary(e noctuary.ContextEvent, k string) (noctuary.Class, bool) {
	if _, known := KindClasses[k]; known || inert(k) {
		return "", false
	}
	if !strings.ContainsFunc(k, unicode.IsDigit) {
		// A kind in words (ruleset_published) is a change only when it
		// names the version it installed and its kind or summary says it
		// went live: "Managed ruleset version 2026.12.02 deployed to all
		// colos", "schema_publish" of version 412. Content published
		// names no version.
		if attr(e, versionKeys[:]...) == "" {
			return "", false
		}
		if textOf(e.Kind, camelWords(e.Kind)).match(releaseVerbs) != "" {
			return noctuary.ClassChange, true
		}
		for _, w := range strings.FieldsFunc(e.Summary, notWordRune) {
			if KindClasses[NormalizeKind(w)] == noctuary.ClassChange {
				return noctuary.ClassChange, true
			}
		}
		return "", false
	}
	change := false
	for _, w := range strings.FieldsFunc(e.Summary, notWordRune) {
		switch KindClasses[NormalizeKind(w)] {
		case noctuary.ClassFailure:
			return noctuary.ClassFailure, true
		case noctuary.ClassChange:
			change = true
		}
	}
	if change {
		return noctuary.ClassChange, true
	}
	return "", false
}

// Batch work on data changes what a database or a store is busy with: a
// job that started a reindex, a backfill or a bulk rewrite loads it as a
// deploy would, unlike a routine export or a job that finished.
var (
	jobKinds   = []string{"job", "cron", "dag", "batch", "task", "workflow", "backfill"}
	jobEnded   = []string{"complet", "succe", "finish", "done", "ended"}
	heavyTerms = []string{"reindex", "backfill", "vacuum full", "repack", "rebuild", "rewrit", "bulk ", "rows ",
		"update ", "delete from", "insert into", "truncate", "alter table", "reshard", "rebalanc", "compact",
		"full scan", "cluster table", "optimize table", "refresh materialized view", "lock table", "create index "}
)

// heavyJob reports whether an event says a job started heavy work on
// data: its normalised kind k or its words t (eventText) name a job that
// has not ended, and its words name such work.
func heavyJob(k string, t text) bool {
	has := func(words []string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(k, w) })
	}
	return (has(jobKinds) || t.match(jobWords) != "") && !has(jobEnded) && t.match(jobEndedWords) == "" &&
		t.match(heavyTerms) != ""
}

// jobWords and jobEndedWords are jobKinds and jobEnded as a summary says them.
var (
	jobWords      = []string{"job ", "jobs ", "cronjob", "dag ", "batch job", "backfill"}
	jobEndedWords = []string{"completed", "succeeded", "finished", "done "}
)

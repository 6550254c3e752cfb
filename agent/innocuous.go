package agent

import (
	"cmp"
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// An innocuous change says plainly that it changed nothing that runs, or was
// undone before onset, or cannot reach the paging service: it ranks below
// every change that did change something (docs/architecture.md, "Ranking
// rules"). Each rule returns why, or "".
// A rule that reads the change alone (its event and eventInfo) is an
// event rule; the others read the correlation too (the other changes, the
// paging service).
var innocuousRules = []innocuousRule{{event: noOpRun}, {event: unchanged}, {event: scopeOnly}, {event: aborted},
	{context: undone}, {event: rolledBack}, {context: offPath}, {context: otherEnvironment}, {event: autoscaled},
	{event: internalOnly}, {event: rescheduled}, {event: responderTool}, {event: lifecycleOnly}, {event: noPodChange}}

// innocuousRule is an event rule or a context rule.
type innocuousRule struct {
	event   func(e *noctuary.ContextEvent, x *eventInfo) string
	context func(i int, sc *scoring) string
}

// innocuousRuns is how many runs of event rules innocuousRules holds.
var innocuousRuns = func() int {
	n := 0
	for k := range innocuousRules {
		if startsRun(k) {
			n++
		}
	}
	return n
}()

// startsRun reports whether innocuousRules[k] is an event rule that
// follows no other.
func startsRun(k int) bool {
	return innocuousRules[k].event != nil && (k == 0 || innocuousRules[k-1].event == nil)
}

// innocuous returns why the change sc.all[i] is innocuous, or "": what the
// first rule that answers says. What each run of event rules says is its
// eventInfo's (see eventWhys).
func innocuous(i int, sc *scoring) string {
	whys := sc.info[i].whys(&sc.all[i].Event)
	run := 0
	for k, r := range innocuousRules {
		why := ""
		switch {
		case r.context != nil:
			why = r.context(i, sc)
		case startsRun(k):
			why = whys[run]
			run++
		}
		if why != "" {
			return why
		}
	}
	return ""
}

// eventWhys returns what each run of event rules says of change e, up to
// the first run that answers: what innocuous reads.
func eventWhys(e *noctuary.ContextEvent, x *eventInfo) []string {
	out := make([]string, 0, innocuousRuns)
	for k, r := range innocuousRules {
		switch {
		case r.event == nil:
			continue
		case startsRun(k):
			if len(out) > 0 && out[len(out)-1] != "" {
				return out
			}
			out = append(out, "")
		}
		if out[len(out)-1] == "" {
			out[len(out)-1] = r.event(e, x)
		}
	}
	return out
}

// noOpTerms are what plan/apply tools write when nothing changed.
var noOpTerms = []string{"no changes ", "0 to add 0 to change 0 to destroy", "0 added 0 changed 0 destroyed",
	"nothing to do ", "infrastructure matches the configuration", "already up to date", "no op ", "noop ", "no diff ",
	"refresh only ", "dry run ", "dryrun ", "plan only ", "no infrastructure changes", "state only ", "state mv ",
	"state rm ",
	// Schema migration tools (Flyway, Liquibase, Alembic, Rails, Django)
	// when no migration was pending.
	"schema is up to date", "database is up to date", "schema was already up to date", "no migrations were executed",
	"no migration necessary", "no migrations to apply", "no pending migrations", "no migrations pending",
	"nothing to migrate", "no new migrations", "no migrations to run", "0 migrations applied", "0 migrations executed",
	"no changesets to apply", "no migrations to execute", "no change ",
	// A migration tool's checks: they read the schema history, never write.
	"successfully validated", "validate only", "validation only", "check only"}

// partial reports whether t says no-op term m of a part only: "no
// changes to the VPC", "no change in the schema"; not "no migrations to
// apply".
func partial(t text, m string) bool {
	if strings.Contains(string(t), " "+m+" in ") {
		return true
	}
	_, rest, ok := strings.Cut(string(t), " "+m+" to ")
	return ok && textOf(rest).match([]string{"apply ", "run ", "execute ", "migrate "}) == ""
}

// countKeys are attributes that count what a run changed.
var countKeys = []string{"add", "change", "destroy", "to_add", "to_change", "to_destroy", "added", "changed",
	"destroyed", "changes", "resources_changed", "resource_changes", "changed_resources",
	"migrations_applied", "applied_migrations", "migrations_executed", "migrations_run", "changesets_applied"}

// noOpRun: a run (terraform, helm, a sync) that reported no changes.
func noOpRun(e *noctuary.ContextEvent, x *eventInfo) string {
	t := x.summary
	if a := attr(*e, "result", "status", "outcome", "message"); a != "" {
		t = textOf(e.Summary, a)
	}
	if m := t.first(noOpIndex); m != "" && !partial(t, m) {
		return "it reported no changes"
	}
	counted := false
	for _, k := range countKeys {
		switch strings.TrimSpace(e.Attributes[k]) {
		case "":
		case "0":
			counted = true
		default:
			return ""
		}
	}
	if counted {
		return "it reported no changes"
	}
	return ""
}

// scopes are the parts of a codebase that do not run in production: a
// change that says it touched only those changed nothing that runs.
var scopes = []struct {
	name  string
	terms []string
}{
	{"docs", []string{"docs", "doc", "documentation", "readme", "changelog", "comments", "comment", "typo", "typos"}},
	{"metrics", []string{"metrics", "metric", "dashboards", "dashboard", "telemetry", "instrumentation"}},
	{"tests", []string{"tests", "test", "ci", "lint"}},
	{"monitoring", []string{"alerting rules", "alerting rule", "alert rules", "alert rule", "recording rules", "monitoring", "alerts", "alerting"}},
	{"translations", []string{"i18n", "l10n", "translations", "translation", "locales", "localization", "localisation"}},
	{"tags", []string{"tags", "tag", "labels", "annotations"}},
}

// conventional matches a conventional commit whose type changes nothing that
// runs: "docs: …", "test(api): …", "chore(metrics): …".
var conventional = regexp.MustCompile(`(?i)(?:^|[\s:;,(\[])(docs|test|tests|ci|style)(?:\([^)]*\))?!?:|chore\((docs|metrics|ci|tests?|lint|i18n|l10n)\)!?:`)

// conventionalCommit returns conventional's submatches in summary, or nil.
// Both of its forms end in a colon, so a summary without one is not
// matched against it.
func conventionalCommit(summary string) []string {
	if !strings.Contains(summary, ":") {
		return nil
	}
	return conventional.FindStringSubmatch(summary)
}

// scopeTerms builds "docs only ", "only docs ", "docs-only" (as "docs only ").
func scopeTerms(words []string) []string {
	var out []string
	for _, w := range words {
		out = append(out, w+" only ", "only "+w+" ", "only the "+w+" ")
	}
	return out
}

// scopeKeys are attributes that may name a change's scope.
var scopeKeys = []string{"scope", "change_type", "type", "category", "changes", "change"}

// scopeOnly: a docs-, metrics- or tests-only change. Its changed files,
// when listed, decide first: all documentation or tests, innocuous; any
// file outside those and metrics code, not innocuous at all. Else its own
// account (summary, a scope attribute, a conventional commit's type), which
// is weaker evidence: the reason says "it says" (see saysOnly), and such a
// change is still blamed when nothing else is a candidate. Metrics code
// runs (a label can explode memory), so files of metrics leave it to the
// change's own account.
func scopeOnly(e *noctuary.ContextEvent, x *eventInfo) string {
	if files := attr(*e, "files", "changed_files", "files_changed", "paths", "changed_paths"); files != "" {
		if inertFiles(files) {
			return "it changed only documentation or test files"
		}
		if allFiles(files, func(p string) bool { return inertFile(p) || dashboardFile(p) }) {
			return "it changed only dashboards (and documentation or tests)"
		}
		if !allFiles(files, func(p string) bool { return inertFile(p) || metricsFile(p) || translationFile(p) }) {
			return ""
		}
	}
	t, said := x.summary, scopeValue(attr(*e, scopeKeys...))
	for k, s := range scopes {
		if t.first(scopeIndex[k]) != "" || slices.Contains(s.terms, said) {
			return saysOnly + s.name
		}
	}
	if m := conventionalCommit(e.Summary); m != nil {
		return saysOnly + strings.ToLower(m[1]+m[2])
	}
	if strings.EqualFold(attr(*e, "monitoring_only", "docs_only", "metrics_only"), "true") {
		return saysOnly + "monitoring or docs"
	}
	if t.match([]string{"no functional change", "no runtime change", "no code change", "no behavior change", "no behaviour change"}) != "" {
		return saysOnly + "what does not run"
	}
	return ""
}

// says starts the reason of a change innocuous by its own account, and
// saysOnly that of one that says it touched only what does not run.
const (
	says     = "it says "
	saysOnly = says + "it changed only "
)

// sameRelease are what deploy tools write when a rollout installed what
// already ran: a scheduled restart, a re-sync of the same commit.
var sameRelease = []string{"digest unchanged", "image unchanged", "unchanged image", "unchanged digest", "same image",
	"same digest", "same commit", "same sha", "same revision", "revision unchanged", "no image change", "identical image",
	"image is unchanged", "digest is unchanged"}

// alsoChanged are what a redeploy of the same image may still have
// changed: "image unchanged, ConfigMap updated" is a config change.
var alsoChanged = []string{"configmap", "config ", "configuration", "values", "env ", "environment", "secret", "replicas", "resources", "limits", "args",
	"command", "flag"}

// unchanged: a change whose new value is its old one. A deploy of the
// version it replaced (revision 3a7e0c1 over 3a7e0c1) or that says its
// image is unchanged installed nothing new, though it restarted what runs,
// so it is innocuous by its own account, unless it says or shows that it
// changed something else (values, config, replicas); a key or flag set to
// the value it had changed nothing.
func unchanged(e *noctuary.ContextEvent, x *eventInfo) string {
	f := &x.facts
	if len(valuePairs(*e, "")) > 0 || x.summary.match(alsoChanged) != "" {
		return ""
	}
	if stem, v := samePair(*e); stem != "" {
		if ValidTarget("value", v) {
			return fmt.Sprintf("%sit redeployed the %s it replaced (%s)", says, stem, v)
		}
		return fmt.Sprintf("%sit redeployed the %s it replaced", says, stem)
	}
	if f.group == groupDeploy && x.summary.first(sameReleaseIndex) != "" {
		return says + "it redeployed the image that already ran"
	}
	if old := attr(*e, oldKeys...); f.subject != "" && old != "" && strings.EqualFold(old, f.state) {
		return fmt.Sprintf("it set %s to the value it already had", noctuary.QuoteName(f.subject))
	}
	return ""
}

// releaseStems name what a deploy installs: a version, an image or its
// digest, a commit, an ECS task definition, an AMI, a build.
var releaseStems = []string{"sha", "image", "version", "tag", "revision", "digest", "image_digest", "commit",
	"task_definition", "taskdefinition", "ami", "build", "artifact"}

// samePair returns the stem and value of the first attribute pair of e,
// before and after (previous_revision and revision, old_image and
// new_image), that names what a deploy installs and did not change, or
// "", "".
func samePair(e noctuary.ContextEvent) (stem, value string) {
	if len(e.Attributes) < 2 {
		return "", ""
	}
	for _, ko := range sortedKeys(e.Attributes) {
		s, ok := splitMarker(ko, oldMarkers)
		if !ok || !slices.Contains(releaseStems, s) || strings.TrimSpace(e.Attributes[ko]) == "" {
			continue
		}
		for k, v := range e.Attributes {
			if v != e.Attributes[ko] {
				continue
			}
			if ns, ok := splitMarker(k, newMarkers); k == s || ok && ns == s {
				return strings.ReplaceAll(s, "_", " "), v
			}
		}
	}
	return "", ""
}

// flagLike reports whether change e is of a feature flag, toggle or gate.
func flagLike(e *noctuary.ContextEvent, x *eventInfo) bool {
	return x.facts.group == groupFlag || attr(*e, "flag", "flag_key", "feature_flag", "toggle", "gate") != "" ||
		slices.ContainsFunc([]string{"toggle", "gate", "split", "experiment"}, func(w string) bool { return strings.Contains(x.kind, w) })
}

// flagKilled are what flag tools write when a flag's kill switch served
// its default: a rollback of the flag.
var flagKilled = []string{"killed", "kill switch", "default treatment"}

// rolledBack: a flag change that says it rolled the flag back, reverted or
// restored it, in one event: the flag is back in a state it ran in before.
// A deploy rollback is not discounted: an older build can break against
// what changed since.
func rolledBack(e *noctuary.ContextEvent, x *eventInfo) string {
	if !flagLike(e, x) {
		return ""
	}
	// The flag's own name is no account of what was done to it
	// ("rollback-guard enabled").
	t := withoutNames(x.summary, x.facts.subject)
	act := strings.ToLower(attr(*e, "action", "operation", "event_type", "type"))
	if t.first(revertIndex) == "" && t.match(flagKilled) == "" && !slices.ContainsFunc(append(revertTerms, "kill"), func(t string) bool {
		return strings.HasPrefix(act, strings.TrimSpace(t))
	}) {
		return ""
	}
	return "it rolled the flag back to an earlier state"
}

// rescheduled: a job's schedule moved ("schedule '0 2 * * *' -> '0 3 *
// * *'"), and nothing else about it: what runs is unchanged until the
// job next runs, so it is innocuous by its own account (a schedule moved
// to every minute is still blamed when nothing else is a candidate).
func rescheduled(e *noctuary.ContextEvent, x *eventInfo) string {
	t := x.words
	if t.match([]string{"cron", "schedule "}) == "" || t.match([]string{"schedule "}) == "" {
		return ""
	}
	pairs := valuePairs(*e, "")
	for _, p := range pairs {
		if !strings.Contains(p.stem, "schedule") && !strings.Contains(p.stem, "cron") {
			return ""
		}
	}
	// A job's schedule given as an attribute is where it runs from, not a
	// move: only a pair of schedules or a summary that speaks of one says
	// it moved, and a job that started heavy work moved nothing.
	if (len(pairs) == 0 && x.summary.match([]string{"schedule"}) == "") || heavyJob(x.kind, x.words) {
		return ""
	}
	if t.match(append(alsoChanged, "image", "version", "command")) != "" {
		return ""
	}
	return says + "it moved a job's schedule"
}

// internalAudiences are the segments a flag targets when only the
// company's own people see it; internalTerms say so in a summary.
var (
	internalAudiences = []string{"internal", "internal users", "employees", "employee", "staff", "dogfood", "dogfooding",
		"qa", "testers", "internal testers", "beta testers"}
	internalTerms = []string{"for internal users", "to internal users", "internal users only", "for employees",
		"to employees", "employees only", "for staff", "staff only", "internal only", "for dogfood", "to dogfood",
		"dogfood ring", "for internal testers", "for the internal segment", "internal segment"}
	audienceKeys = []string{"audience", "segment", "segments", "target", "targeting", "target_segment", "ring", "cohort"}
)

// percent finds the percentages a summary gives.
var percent = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*%`)

// zeroRollout reports whether a flag's summary gives percentages, all of
// them zero: "percentage rollout 0%", not "rollout 0% -> 50%".
func zeroRollout(summary string) bool {
	ps := percent.FindAllStringSubmatch(summary, -1)
	for _, p := range ps {
		if strings.Trim(p[1], "0.") != "" {
			return false
		}
	}
	return len(ps) > 0
}

// internalOnly: a flag turned on for internal users only, or rolled out
// to no one (0 %). They can break
// things too, so it is innocuous by its own account: ranked below the
// changes that reach customers, still blamed when none is a candidate.
func internalOnly(e *noctuary.ContextEvent, x *eventInfo) string {
	if !flagLike(e, x) {
		return ""
	}
	if pct := strings.TrimSpace(strings.TrimSuffix(attr(*e, "rollout", "percentage", "percent", "rollout_percentage"), "%")); pct == "0" ||
		zeroRollout(e.Summary) {
		return says + "its rollout reaches no users (0 %)"
	}
	aud := strings.ToLower(attr(*e, audienceKeys...))
	if !slices.Contains(internalAudiences, aud) && x.summary.first(internalIndex) == "" {
		return ""
	}
	return says + "it targets only internal users"
}

// allFiles reports whether every path of list (comma or space separated),
// in lower case, is of a kind.
func allFiles(list string, kind func(path string) bool) bool {
	paths := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(paths) == 0 {
		return false
	}
	for _, p := range paths {
		if !kind(strings.ToLower(p)) {
			return false
		}
	}
	return true
}

// inertFiles reports whether list names only files that do not run in
// production: documentation and tests.
func inertFiles(list string) bool { return allFiles(list, inertFile) }

func inertFile(p string) bool { return docFile(p) || testFile(p) }

// metricsDirs name the directories, or file stems, of metrics code and
// dashboards.
var metricsDirs = []string{"metrics", "metric", "dashboards", "dashboard", "telemetry", "instrumentation", "grafana"}

func metricsFile(p string) bool {
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	parts[len(parts)-1] = strings.TrimSuffix(last, last[max(strings.LastIndex(last, "."), 0):])
	return slices.ContainsFunc(parts, func(s string) bool { return slices.Contains(metricsDirs, s) })
}

func docFile(p string) bool {
	doc := strings.HasPrefix(p, "docs/") || strings.Contains(p, "/docs/")
	for _, ext := range []string{".md", ".rst", ".adoc", ".txt"} {
		doc = doc || strings.HasSuffix(p, ext)
	}
	return doc
}

// testFile recognises the test conventions of common languages: Go's
// _test.go, JavaScript's .test.js and .spec.ts, Python's test_*.py, Ruby's
// _spec.rb, and test directories.
func testFile(p string) bool {
	base := p[strings.LastIndex(p, "/")+1:]
	for _, dir := range []string{"test/", "tests/", "__tests__/", "spec/", "testdata/"} {
		if strings.HasPrefix(p, dir) || strings.Contains(p, "/"+dir) {
			return true
		}
	}
	stem := strings.TrimSuffix(base, base[max(strings.LastIndex(base, "."), 0):])
	return strings.HasSuffix(stem, "_test") || strings.HasSuffix(stem, ".test") || strings.HasSuffix(stem, ".spec") ||
		strings.HasSuffix(stem, "_spec") || strings.HasPrefix(base, "test_")
}

// abortWords and abortSubjects build "canary aborted", "rollout was
// cancelled", "aborted canary".
var (
	abortWords = []string{"aborted", "cancelled", "canceled", "halted", "abandoned", "rejected", "skipped"}
	// notDeployed says a pipeline ended without deploying: Spinnaker's
	// TERMINAL status, a manual judgment that stopped it.
	notDeployed = []string{"not deployed", "nothing was deployed", "nothing deployed", "nothing to deploy",
		"was not promoted", "not promoted"}
	abortSubjects = []string{"canary", "rollout", "deploy", "deployment", "release", "analysis", "upgrade", "run", "pipeline", "sync"}
	abortTerms    = func() []string {
		var out []string
		for _, s := range abortSubjects {
			for _, w := range abortWords {
				out = append(out, s+" "+w+" ", s+" was "+w+" ", w+" "+s+" ", w+" the "+s+" ")
			}
		}
		return out
	}()
)

// aborted: a change whose kind, status or summary says it was aborted.
func aborted(e *noctuary.ContextEvent, x *eventInfo) string {
	k := x.kind
	status := strings.ToLower(attr(*e, "status", "phase", "result", "outcome", "state"))
	if strings.Contains(k, "abort") || strings.Contains(k, "cancel") || slices.Contains(abortWords, status) ||
		status == "abort" || status == "terminal" || x.summary.match(notDeployed) != "" || strings.EqualFold(attr(*e, "aborted"), "true") || x.summary.first(abortIndex) != "" ||
		abortedSubject(k, x.summary) {
		return "it was aborted"
	}
	if t := x.words; t.match([]string{"canary "}) != "" &&
		t.match([]string{"failed ", "rolling back", "rolled back", "rollback ", "promotion failed"}) != "" {
		return "the canary failed and was rolled back"
	}
	return ""
}

// abortedSubject reports whether a summary whose subject is a rollout (its
// first word names one, or the kind is a canary or a rollout) says that it
// was aborted, then when, by whom or why: "Canary api 4.1.1 aborted at step
// 1", not "checkout deployed: retry aborted payments".
func abortedSubject(kind string, summary text) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(string(summary)), " ")
	if !slices.Contains(abortSubjects, first) && !strings.Contains(kind, "canary") && !strings.Contains(kind, "rollout") {
		return false
	}
	for _, w := range abortWords {
		if strings.HasSuffix(string(summary), " "+w+" ") {
			return true
		}
		for _, tail := range []string{"at", "by", "due", "after", "because", "on", "in"} {
			if strings.Contains(string(summary), " "+w+" "+tail+" ") {
				return true
			}
		}
	}
	return false
}

// nonProduction are the names of environments that production incidents
// do not run in.
var nonProduction = []string{"staging", "stage", "stg", "dev", "development", "test", "testing", "qa", "sandbox",
	"preview", "uat", "canary-staging"}

// otherEnvironment: a change that names a non-production environment other
// than the paging service's, by attribute or as "in staging".
func otherEnvironment(i int, sc *scoring) string {
	env := sc.info[i].env
	if env == "" || strings.EqualFold(env, sc.svc.Environment) {
		return ""
	}
	return fmt.Sprintf("it was made in %s, not where %s runs", env, cmp.Or(sc.svc.Key, "the service"))
}

// nonProductionOf returns the non-production environment e names, by
// attribute or in its summary t ("in staging"), or "".
func nonProductionOf(e *noctuary.ContextEvent, t text) string {
	env := strings.ToLower(attr(*e, "environment", "env", "stage", "tier"))
	if env == "" {
		if g := t.groups(nonProductionIndex); g != 0 {
			env = nonProduction[bits.TrailingZeros64(g)]
		}
	}
	if !slices.Contains(nonProduction, env) {
		return ""
	}
	return env
}

// autoscalerTerms name autoscalers, whose scaling follows load rather than
// causing failures, or what they write: the HorizontalPodAutoscaler's event
// reason SuccessfulRescale and its "utilization above target".
var autoscalerTerms = []string{"autoscal", "hpa ", "horizontalpodautoscaler", "keda ", "karpenter", "cluster autoscaler",
	"scaledupgroup", "scaleddowngroup", "successfulrescale", "above target", "below target"}

// autoscaled: a scaling an autoscaler did on its own.
func autoscaled(e *noctuary.ContextEvent, x *eventInfo) string {
	if !strings.Contains(x.kind, "scal") && x.summary.match([]string{"scal"}) == "" {
		return ""
	}
	if textOf(e.Source, e.Kind, e.Summary).first(autoscalerIndex) == "" {
		return ""
	}
	return "it is an autoscaler's routine scaling, which follows load"
}

// offPath: a change of a service that is neither the paging one nor one of
// its declared dependencies.
func offPath(i int, sc *scoring) string {
	e, svc := sc.all[i].Event, sc.svc
	if svc.Key == "" || ownEvent(e, svc) || slices.Contains(svc.Dependencies, e.Service) {
		return ""
	}
	return fmt.Sprintf("%s has no declared dependency path to %s", e.Service, svc.Key)
}

// undone: a change undone before onset, or the change that undid one: the
// service is back where it was before either. The first change of the
// window (in sc.all's order) that undid i or that i undid decides; only
// those that could (sc.undo.candidates) are compared.
func undone(i int, sc *scoring) string {
	e := sc.all[i].Event
	for _, j := range sc.undo.candidates(i, sc) {
		u := sc.all[j].Event
		switch {
		case u.OccurredAt.After(e.OccurredAt) && reverts(i, j, sc):
			return fmt.Sprintf("it was undone at %s UTC, before onset", clock(u.OccurredAt))
		case u.OccurredAt.Before(e.OccurredAt) && reverts(j, i, sc):
			return fmt.Sprintf("it undid the change at %s UTC", clock(u.OccurredAt))
		}
	}
	return ""
}

// Attributes that name what a change changed, and its values before and after.
var (
	subjectKeys = []string{"flag", "flag_key", "feature_flag", "feature", "key", "parameter", "setting"}
	newKeys     = []string{"new_value", "new", "to", "after", "new_state", "state", "value", "enabled", "variation"}
	oldKeys     = []string{"old_value", "old", "from", "before", "previous_value", "previous_state", "previous"}
	revertTerms = []string{"revert", "rolled back", "roll back", "rollback", "restored", "restore ", "undo", "undid", "undone"}
	// versionKeys name what a deploy runs; "previous_" and one of them,
	// what it replaced.
	versionKeys = [...]string{"sha", "image", "version", "tag", "revision"}
	// previousKeys[k] is "previous_" + versionKeys[k].
	previousKeys = func() (out [len(versionKeys)]string) {
		for k, name := range versionKeys {
			out[k] = "previous_" + name
		}
		return out
	}()
)

// changeFacts is what reverts compares of a change.
type changeFacts struct {
	group             changeGroup
	subject, state    string
	version, previous [len(versionKeys)]string
}

// A flag change's summary names its flag quoted and says its new state:
// "Feature toggle 'profile-avatar-cdn' disabled in production".
var (
	quotedName = regexp.MustCompile(`['"‘“]([A-Za-z0-9][\w.:/-]{0,127})['"’”]`)
	stateWord  = regexp.MustCompile(`(?i)\b(enabled|disabled|activated|deactivated|turned on|turned off|switched on|switched off)\b`)
)

// factsOf returns what reverts compares of change e, whose kind's
// NormalizeKind is k.
func factsOf(e noctuary.ContextEvent, k string) changeFacts {
	f := changeFacts{group: groupOfKind(e.Kind, k), subject: attr(e, subjectKeys...), state: attr(e, newKeys...)}
	if f.subject == "" && f.group == groupFlag {
		if m := quotedName.FindStringSubmatch(e.Summary); m != nil {
			f.subject = m[1]
		}
	}
	if f.state == "" && f.group == groupFlag {
		switch m := strings.ToLower(stateWord.FindString(e.Summary)); m {
		case "":
		case "enabled", "activated", "turned on", "switched on":
			f.state = "enabled"
		default:
			f.state = "disabled"
		}
	}
	if len(e.Attributes) > 0 {
		for k, name := range versionKeys {
			f.version[k], f.previous[k] = e.Attributes[name], e.Attributes[previousKeys[k]]
		}
	}
	return f
}

// reverts reports whether the later change sc.all[ui] undid the change
// sc.all[ei] (same service): it sets e's subject back to its old value, or
// says it reverted it, or a deploy goes back to what e replaced, or a
// rollback follows e as the service's latest deploy.
func reverts(ei, ui int, sc *scoring) bool {
	e, fe, fu := sc.all[ei].Event, &sc.info[ei].facts, &sc.info[ui].facts
	if s := fe.subject; s != "" {
		if !strings.EqualFold(s, fu.subject) {
			return false
		}
		before, after, again := attr(e, oldKeys...), fe.state, fu.state
		return sc.words(ui).first(revertIndex) != "" || (before != "" && strings.EqualFold(again, before)) ||
			(before == "" && isBool(after) && isBool(again) && !strings.EqualFold(after, again))
	}
	for k, p := range fe.previous {
		if p != "" && p == fu.version[k] {
			return true
		}
	}
	return fu.group == groupRollback && fe.group == groupDeploy && latestDeploy(ei, ui, sc)
}

// latestDeploy reports whether sc.all[ei] is the last deploy of its service
// before sc.all[ui].
func latestDeploy(ei, ui int, sc *scoring) bool {
	e, u := sc.all[ei].Event, sc.all[ui].Event
	next, ok := sc.undo.deployAfter(e.Service, e.OccurredAt, sc)
	return !ok || !next.Before(u.OccurredAt)
}

func isBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "on", "off", "enabled", "disabled", "yes", "no", "1", "0":
		return true
	}
	return false
}

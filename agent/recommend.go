package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// changeGroup is how the heuristic words and remedies one kind of change.
type changeGroup struct {
	label  string // "Deploy"
	verb   string // "rolled out"
	remedy string // "rollback", "revert", or "" (review only)
	action string // declared action name that applies the remedy
}

var (
	groupDeploy    = changeGroup{"Deploy", "rolled out", "rollback", "rollback"}
	groupRollback  = changeGroup{"Rollback", "ran", "", ""}
	groupConfig    = changeGroup{"Config change", "applied", "revert", "revert-config"}
	groupFlag      = changeGroup{"Feature flag change", "made", "revert", "disable-flag"}
	groupMigration = changeGroup{"Migration", "ran", "", ""}
)

// identityKeys are attributes that name what a change installed, most specific first.
var identityKeys = []string{"sha", "version", "image", "tag", "revision", "flag", "key", "migration", "parameter", "setting"}

func groupOf(kind string) changeGroup { return groupOfKind(kind, NormalizeKind(kind)) }

// groupOfKind is groupOf of kind, whose NormalizeKind is k.
func groupOfKind(kind, k string) changeGroup {
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(k, w) })
	}
	switch {
	case has("rollback"):
		return groupRollback
	case has("deploy", "rollout", "release", "canary", "sync", "promotion", "helm"):
		return groupDeploy
	case has("flag"):
		return groupFlag
	case has("config"):
		return groupConfig
	case has("migrat", "schema"):
		return groupMigration
	}
	return changeGroup{label: "Change " + noctuary.QuoteName(kind), verb: "happened"}
}

// describe names a change by its first valid identity attribute
// (`Deploy sha=a4f2c1`), or else by its source (`Config change from consul`);
// a dependency's change adds its service (`Deploy sha=1 of postgres-main`).
func describe(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) string {
	id := identity(e, "")
	if id == "" {
		id = "from " + noctuary.QuoteName(e.Source)
	}
	s := g.label + " " + id
	if !ownEvent(e, svc) {
		s += " of " + e.Service
	}
	return s
}

// identity is "key=value" for the first identity attribute, with prefix
// ("previous_" for what a rollback returns to), whose value is a valid
// target; "" when there is none. Free text never names a change.
func identity(e noctuary.ContextEvent, prefix string) string {
	for _, k := range identityKeys {
		if v := e.Attributes[prefix+k]; ValidTarget(prefix+k, v) {
			return k + "=" + v
		}
	}
	return ""
}

// hearsay is what the change's source wrote about it, quoted, when no
// identity attribute names it: `; consul wrote "pool size 20"`.
func hearsay(e noctuary.ContextEvent) string {
	if q := quoteSummary(e); q != "" && identity(e, "") == "" {
		return "; " + q
	}
	return ""
}

// Attributes that say what a change changed, besides its identity: the
// thing changed (a field, a path, a DNS record, a migration script), and
// pairs of its value before and after.
var (
	subjectAttrs = []string{"flag", "toggle", "feature", "key", "parameter", "setting", "field", "path", "value_path",
		"variable", "attribute", "record", "rule", "topic", "script", "migration", "image"}
	namedPairs = [][2]string{{"old_value", "new_value"}, {"old", "new"}, {"from", "to"}, {"before", "after"},
		{"previous_value", "value"}, {"previous", "value"}, {"old_state", "new_state"}, {"previous_state", "new_state"},
		{"previous_enabled", "enabled"}, {"from_version", "to_version"}}
	newOnly = []string{"new_value", "new_state", "state", "value", "enabled", "to", "new", "target", "weight"}
)

// maxChangedParts bounds what whatChanged lists.
const maxChangedParts = 3

// whatChanged is what the change set, from its attributes: the thing
// changed when its identity does not name it (field=replicaCount), its
// values before and after (12 → 2; also from pairs like old_target and
// new_target, or rollout_before and rollout_after), or its new value alone
// (state=on); "" when no value has the conservative shape of a name (free
// text is left to said).
func whatChanged(e noctuary.ContextEvent) string {
	id := identity(e, "")
	var parts []string
	for _, k := range subjectAttrs {
		if v := e.Attributes[k]; ValidTarget(k, v) && id != k+"="+v {
			parts = append(parts, k+"="+v)
		}
	}
	parts = append(parts, changedValues(e, id, attr(e, subjectAttrs...) == "")...)
	if len(parts) > maxChangedParts {
		parts = parts[:maxChangedParts]
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// changedValues renders the attribute pairs of values before and after as
// "old → new" (the named pairs first, then any pair of markers: see
// valuePairs), with the thing changed ("instance_type m5 → m6g") when
// unnamed is true and the stem says more than "value" or "state"; or the
// new value alone as "key=new". id is the change's identity, not repeated.
func changedValues(e noctuary.ContextEvent, id string, unnamed bool) []string {
	valid := func(k string) bool { return ValidTarget("value", e.Attributes[k]) }
	for _, p := range namedPairs {
		if valid(p[0]) && valid(p[1]) {
			return []string{e.Attributes[p[0]] + " → " + e.Attributes[p[1]]}
		}
	}
	skip, _, _ := strings.Cut(id, "=")
	if ps := valuePairs(e, skip); len(ps) > 0 {
		p := ps[0]
		if unnamed && !slices.Contains([]string{"", "value", "state"}, p.stem) {
			return []string{p.stem + " " + p.old + " → " + p.new}
		}
		return []string{p.old + " → " + p.new}
	}
	for _, k := range newOnly {
		if valid(k) {
			return []string{k + "=" + e.Attributes[k]}
		}
	}
	return nil
}

// said is what the change's source wrote about it, quoted, when the summary
// says more than the service, kind, source and attribute values already
// named: `; flyway wrote "add index on orders"`.
func said(e noctuary.ContextEvent) string {
	known := []string{e.Service, e.Kind, e.Source}
	for _, v := range e.Attributes {
		known = append(known, v)
	}
	named := tokens(known...)
	for w := range tokens(e.Summary) {
		if !named[w] {
			if q := quoteSummary(e); q != "" {
				return "; " + q
			}
		}
	}
	return ""
}

func ownEvent(e noctuary.ContextEvent, svc noctuary.Service) bool {
	return svc.Key == "" || e.Service == svc.Key || slices.Contains(svc.PagerDutyServiceIDs, e.Service)
}

// recommend proposes undoing the change, as a declared action of the service
// when one fits and every one of its params is known; never otherwise. The
// target comes only from valid identity attributes; without one, it is to
// look at the change, with what its source wrote quoted.
func recommend(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) noctuary.Recommendation {
	var rec noctuary.Recommendation
	lookup := func(p string) string { return e.Attributes[p] }
	switch g.remedy {
	case "rollback":
		lookup = func(p string) string { return e.Attributes["previous_"+p] }
		rec.Text = rollbackText(e, g, svc)
	case "revert":
		rec.Text = undoText(e, g, svc, "Revert")
	default:
		return noctuary.Recommendation{Text: undoText(e, g, svc, "Review")}
	}
	spec, ok := svc.Action(g.action)
	if !ok || !ownEvent(e, svc) {
		return rec
	}
	params := map[string]string{}
	for _, p := range spec.Params {
		v := lookup(p)
		if v == "" {
			return rec
		}
		params[p] = v
	}
	if _, err := CheckAction(svc, spec.Name, params); err != nil {
		return rec
	}
	rec.Action, rec.Destructive = spec.Name, spec.Destructive
	if len(params) > 0 {
		rec.Params = params
	}
	return rec
}

func rollbackText(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) string {
	target, of := "", ""
	if !ownEvent(e, svc) {
		target, of = e.Service+" ", " of "+e.Service
	}
	if prev := identity(e, "previous_"); prev != "" {
		return fmt.Sprintf("Rollback %sto %s", target, prev)
	}
	if id := identity(e, ""); id != "" {
		return fmt.Sprintf("Roll back the deploy %s%s to the release before it", id, of)
	}
	return lookText(e, g, svc)
}

// undoText is `Revert the config change key=pool.size (consul, 02:10:41 UTC)`
// for a change named by its attributes, else lookText.
func undoText(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service, verb string) string {
	if identity(e, "") == "" {
		return lookText(e, g, svc)
	}
	d := describe(e, g, svc)
	text := fmt.Sprintf("%s the %s (%s, %s UTC)", verb, strings.ToLower(d[:1])+d[1:], noctuary.QuoteName(e.Source), clock(e.OccurredAt))
	if verb == "Review" {
		text += " and undo it if it is the cause"
	}
	return text
}

// lookText is the advice for a change no attribute names: `Look at the
// config change from consul at 02:10:41 UTC and revert it if it is the cause;
// consul wrote "pool size 20"`.
func lookText(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) string {
	what := strings.ToLower(g.label[:1]) + g.label[1:]
	if !ownEvent(e, svc) {
		what += " of " + e.Service
	}
	undo := "undo it"
	switch g.remedy {
	case "rollback":
		undo = "roll it back"
	case "revert":
		undo = "revert it"
	}
	return fmt.Sprintf("Look at the %s from %s at %s UTC and %s if it is the cause%s",
		what, noctuary.QuoteName(e.Source), clock(e.OccurredAt), undo, hearsay(e))
}

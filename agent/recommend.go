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
var identityKeys = []string{"sha", "version", "image", "tag", "revision", "flag", "key"}

func groupOf(kind string) changeGroup {
	k := NormalizeKind(kind)
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
	return changeGroup{label: "Change " + kind, verb: "happened"}
}

// describe names a change: `Deploy sha=a4f2c1`, `Config change "pool size 20"`,
// `Deploy sha=1 of postgres-main` for a dependency's change.
func describe(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) string {
	s := g.label + " " + identity(e)
	if !ownEvent(e, svc) {
		s += " of " + e.Service
	}
	return s
}

func identity(e noctuary.ContextEvent) string {
	for _, k := range identityKeys {
		if v := e.Attributes[k]; v != "" {
			return k + "=" + truncate(v, 60)
		}
	}
	if e.Summary != "" {
		return fmt.Sprintf("%q", truncate(e.Summary, 80))
	}
	return "from " + e.Source
}

func ownEvent(e noctuary.ContextEvent, svc noctuary.Service) bool {
	return svc.Key == "" || e.Service == svc.Key || slices.Contains(svc.PagerDutyServiceIDs, e.Service)
}

// recommend proposes undoing the change, as a declared action of the service
// when one fits and every one of its params is known; never otherwise.
func recommend(e noctuary.ContextEvent, g changeGroup, svc noctuary.Service) noctuary.Recommendation {
	var rec noctuary.Recommendation
	lookup := func(p string) string { return e.Attributes[p] }
	switch g.remedy {
	case "rollback":
		lookup = func(p string) string { return e.Attributes["previous_"+p] }
		rec.Text = rollbackText(e, svc)
	case "revert":
		rec.Text = "Revert " + revertTarget(e)
	default:
		return noctuary.Recommendation{Text: fmt.Sprintf("Review %s (%s, %s UTC) and undo it if it is the cause",
			describe(e, g, svc), e.Source, clock(e.OccurredAt))}
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

func rollbackText(e noctuary.ContextEvent, svc noctuary.Service) string {
	target, of := "", ""
	if !ownEvent(e, svc) {
		target, of = e.Service+" ", " of "+e.Service
	}
	for _, k := range identityKeys {
		if v := e.Attributes["previous_"+k]; v != "" {
			return fmt.Sprintf("Rollback %sto %s=%s", target, k, truncate(v, 60))
		}
	}
	return fmt.Sprintf("Roll back the deploy %s%s to the release before it", identity(e), of)
}

func revertTarget(e noctuary.ContextEvent) string {
	if e.Summary != "" {
		return truncate(e.Summary, 120)
	}
	return fmt.Sprintf("the %s from %s at %s UTC", e.Kind, e.Source, clock(e.OccurredAt))
}

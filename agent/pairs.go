package agent

import (
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Markers that pair the attributes of a value before and after a change,
// as a prefix or a suffix of the same stem: old_version/new_version,
// instance_type_old/instance_type_new, previous_issuer/current_issuer,
// rollout_before/rollout_after, from_port/to_port. An old marker also pairs
// with the bare stem (previous_weight/weight).
var (
	oldMarkers = []string{"old", "previous", "prev", "from", "before", "was", "original"}
	newMarkers = []string{"new", "to", "after", "current", "now", "updated", "desired"}
)

// valuePair is what a change set one thing from and to.
type valuePair struct {
	stem, old, new string
}

// splitMarker returns key's stem and marker when key is marker, marker+sep+stem
// or stem+sep+marker (sep one of "_", "-", "."), else ok is false.
func splitMarker(key string, markers []string) (stem string, ok bool) {
	k := strings.ToLower(key)
	for _, m := range markers {
		if k == m {
			return "", true
		}
		if len(k) <= len(m)+1 {
			continue
		}
		pre, suf := k[:len(m)] == m, k[len(k)-len(m):] == m
		for _, sep := range [...]byte{'_', '-', '.'} {
			if pre && k[len(m)] == sep {
				return k[len(m)+1:], true
			}
			if suf && k[len(k)-len(m)-1] == sep {
				return k[:len(k)-len(m)-1], true
			}
		}
	}
	return "", false
}

// valuePairs returns e's pairs of attribute values before and after that
// differ and have the shape of a name (ValidTarget), in key order. skip
// names an attribute that may not be the new side of a bare-stem pair (the
// change's identity, already named).
func valuePairs(e noctuary.ContextEvent, skip string) []valuePair {
	if len(e.Attributes) == 0 {
		return nil
	}
	valid := func(k string) bool { return ValidTarget("value", e.Attributes[k]) }
	keys := sortedKeys(e.Attributes)
	// newStem[k] is keys[k]'s stem as the new side of a pair; hasNew
	// whether it is one.
	newStem, hasNew := make([]string, len(keys)), make([]bool, len(keys))
	for k, key := range keys {
		newStem[k], hasNew[k] = splitMarker(key, newMarkers)
	}
	var out []valuePair
	for _, ko := range keys {
		stem, ok := splitMarker(ko, oldMarkers)
		if !ok || !valid(ko) {
			continue
		}
		kn := ""
		for k, key := range keys {
			if hasNew[k] && newStem[k] == stem && valid(key) {
				kn = key
				break
			}
		}
		if kn == "" && stem != "" && stem != skip && valid(stem) {
			kn = stem
		}
		if kn != "" && !strings.EqualFold(e.Attributes[ko], e.Attributes[kn]) {
			out = append(out, valuePair{stem, e.Attributes[ko], e.Attributes[kn]})
		}
	}
	return out
}

// statusStems are what a status report's pairs are about: a state that
// went from ok to alarm is a failure's report, not a change.
var statusStems = []string{"status", "state", "health", "severity", "level", "phase", "condition", "indicator"}

// statusValues are the values of a state that an alert or a check moves
// between: {from: firing, to: resolved} reports a failure's course.
var statusValues = []string{"ok", "firing", "resolved", "alarm", "alerting", "insufficient_data", "critical", "warning",
	"warn", "healthy", "unhealthy", "up", "down", "pending", "green", "yellow", "red", "open", "closed", "triggered",
	"acknowledged", "degraded", "operational", "outage", "major_outage", "partial_outage", "normal"}

// setsValue reports whether e says it set something from one value to
// another: attributes pairing a value before and after that differ, other
// than a status (by its name or its values).
func setsValue(e noctuary.ContextEvent) bool {
	for _, p := range valuePairs(e, "") {
		if !slices.ContainsFunc(statusStems, func(s string) bool { return strings.Contains(p.stem, s) }) &&
			!slices.Contains(statusValues, strings.ToLower(p.old)) && !slices.Contains(statusValues, strings.ToLower(p.new)) {
			return true
		}
	}
	return false
}

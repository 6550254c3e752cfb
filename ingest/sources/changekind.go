package sources

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// changeKinds name a change by the words of its text, checked in this order:
// the first kind one of whose words begins a word of the text wins
// ("deployed" is a deploy, "escalate" is not a scale). Phrases match whole
// runs of words.
var changeKinds = []struct {
	kind  string
	words []string
}{
	{"rollback", []string{"rollback", "roll back", "rolled back", "revert"}},
	{"deploy", []string{"deploy", "release", "rollout", "roll out", "rolled out", "promot", "go live"}},
	{"feature_flag", []string{"feature flag", "flag", "toggle", "launchdarkly"}},
	{"config_change", []string{"config", "setting", "parameter"}},
	{"migration", []string{"migrat", "schema"}},
	{"scale", []string{"scale", "scaling", "replicas", "autoscal"}},
	{"infra_change", []string{"terraform", "helm", "infrastructure", "infra", "cloudformation", "pulumi"}},
	{"build", []string{"build", "compile"}},
	{"merge", []string{"merge", "pull request"}},
	{"push", []string{"push", "commit"}},
}

// ChangeKind classifies a change from its summary and details (their keys
// and string values): deploy, rollback, config_change, feature_flag,
// migration, scale, infra_change, build, merge, push, or "change" when no
// word tells.
func ChangeKind(summary string, details map[string]json.RawMessage) string {
	text := []string{summary}
	for _, k := range slices.Sorted(maps.Keys(details)) {
		var v string
		_ = json.Unmarshal(details[k], &v)
		text = append(text, k, v)
	}
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(strings.Join(text, " ")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
	for _, c := range changeKinds {
		for _, w := range c.words {
			if strings.Contains(words, " "+w) {
				return c.kind
			}
		}
	}
	return "change"
}

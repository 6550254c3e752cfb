package agent

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// step is what a test compares of a suggestion.
func step(s noctuary.Suggestion) string {
	var ev []string
	for _, e := range s.Evidence {
		ev = append(ev, e.Label)
	}
	out := s.Text
	if s.Action != "" {
		out += fmt.Sprintf(" [%s %v destructive=%t]", s.Action, s.Params, s.Destructive)
	}
	return out + " | " + s.Reason + " | " + strings.Join(ev, ", ")
}

func TestSuggest(t *testing.T) {
	pgConfig := event("pg-cfg", "postgres-main", "config_change", "consul", "02:05:00", "max_connections lowered",
		map[string]string{"key": "max_connections"})
	cacheErrors := event("c-1", "checkout", "error_rate", "prometheus", "02:14:45", "page cache timeouts", nil)
	pgDisk := event("disk", "postgres-main", "disk_full", "node-exporter", "01:50:00", "disk full on pg-1", nil)
	rollback := "Rollback to sha=f8b3e22 [rollback map[sha:f8b3e22] destructive=true] | top-ranked cause: deploy (argocd, 02:10:41 UTC), score "
	withParams := seedService()
	withParams.Actions = append(withParams.Actions, noctuary.ActionSpec{Name: "warm-cache", Params: []string{"region"}})
	withParams.Actions[1].Name, withParams.Actions[1].Description = "purge", ""
	tests := []struct {
		name   string
		svc    noctuary.Service
		events []noctuary.ContextEvent
		want   []string // prefixes of step()
	}{
		{"the design's example: the rollback alone", seedService(), seedEvents(), []string{rollback}},
		{"a runner-up change of a dependency, and a declared action a failure names", seedService(),
			append(seedEvents(), pgConfig, cacheErrors), []string{
				rollback,
				"Revert the config change key=max_connections of postgres-main (consul, 02:05:00 UTC) | runner-up cause: config_change (consul, 02:05:00 UTC), score 1.01 | config_change (consul, 02:05:00 UTC)",
				"Run flush-cache: Flush the checkout page cache [flush-cache map[] destructive=false] | declared action flush-cache matches the error_rate (prometheus, 02:14:45 UTC) | error_rate (prometheus, 02:14:45 UTC)",
			}},
		{"a failure of a dependency before onset: check the dependency", seedService(), append(seedEvents(), pgDisk), []string{
			rollback,
			`Check the dependency postgres-main: its disk_full in node-exporter at 01:50:00 UTC came before onset; node-exporter wrote "disk full on pg-1" | runner-up cause: disk_full (node-exporter, 01:50:00 UTC)`,
		}},
		{"an action with params is never matched by words; the service's own name matches nothing", withParams,
			append(seedEvents(), cacheErrors, event("c-2", "checkout", "error_rate", "cdn", "02:14:40", "checkout warm purge errors", nil)),
			[]string{rollback, "Run purge [purge map[] destructive=false] | declared action purge matches the error_rate (cdn, 02:14:40 UTC)"}},
		{"at most three, the best runner-up and the matching action first", seedService(),
			append(seedEvents(), pgConfig, pgDisk, cacheErrors), []string{
				rollback, "Revert the config change key=max_connections", "Run flush-cache",
			}},
		{"no context", seedService(), nil, []string{"Check the dashboards and logs of checkout, its dependencies and providers; " +
			"send deploys and config changes to /v1/events so the next triage has context | no ContextEvents in the correlation window | "}},
		{"no candidate: the strongest signal", seedService(), []noctuary.ContextEvent{event("k8s-2", "checkout", "OOMKill", "kubernetes", "02:15:30", "", nil)},
			[]string{"Investigate the OOMKill in kubernetes at 02:15:30 UTC | strongest signal: OOMKill (kubernetes, 02:15:30 UTC), score "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(tt.svc, tt.events...)
			res := Hypothesize(context.Background(), nil, req, 0)
			got := res.Suggestions
			if len(got) != len(tt.want) {
				t.Fatalf("%d suggestions, want %d:\n%s", len(got), len(tt.want), steps(got))
			}
			for i, w := range tt.want {
				if s := step(got[i]); !strings.HasPrefix(s, w) {
					t.Errorf("suggestion %d =\n  %s\nwant prefix\n  %s", i+1, s, w)
				}
			}
			if !reflect.DeepEqual(got[0].Recommendation, res.Recommendation) {
				t.Errorf("first suggestion %+v is not the recommendation %+v", got[0].Recommendation, res.Recommendation)
			}
			// Suggestions never change the hypothesis, its cause or its recommendation.
			plain := Heuristic(req)
			if plain.Hypothesis != res.Hypothesis || !reflect.DeepEqual(plain.Cause, res.Cause) ||
				!reflect.DeepEqual(plain.Recommendation, res.Recommendation) || plain.Confidence != res.Confidence {
				t.Error("Suggest changed the heuristic's result")
			}
		})
	}
}

func steps(ss []noctuary.Suggestion) string {
	var out []string
	for _, s := range ss {
		out = append(out, "  "+step(s))
	}
	return strings.Join(out, "\n")
}

// TestSuggestRepeatsNoStep: two deploys that roll back to the same sha
// suggest that rollback once.
func TestSuggestRepeatsNoStep(t *testing.T) {
	second := event("argo-7790", "checkout", "deploy", "argocd", "02:12:00", "checkout rolled out sha=b5",
		map[string]string{"sha": "b5", "previous_sha": "f8b3e22"})
	res := Hypothesize(context.Background(), nil, request(seedService(), append(seedEvents(), second)...), 0)
	n := 0
	for _, s := range res.Suggestions {
		if s.Action == "rollback" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("rollback suggested %d times:\n%s", n, steps(res.Suggestions))
	}
}

// TestHypothesizeChecksSuggestions: an engine's suggestions are checked
// like its recommendation; Destructive comes from the declared action.
func TestHypothesizeChecksSuggestions(t *testing.T) {
	flush := noctuary.Suggestion{Recommendation: noctuary.Recommendation{Text: "Flush", Action: "flush-cache", Destructive: true}}
	text := noctuary.Suggestion{Recommendation: noctuary.Recommendation{Text: "Look at postgres"}}
	tests := []struct {
		name   string
		more   []noctuary.Suggestion
		reason string
	}{
		{"valid", []noctuary.Suggestion{flush, text}, ""},
		{"none beyond the recommendation", nil, ""},
		{"too many", []noctuary.Suggestion{flush, text, text}, "fake-model answer invalid: 4 suggestions; at most 3"},
		{"undeclared action", []noctuary.Suggestion{{Recommendation: noctuary.Recommendation{Text: "x", Action: "drop-database"}}},
			`fake-model answer invalid: suggestion 2: action "drop-database" is not declared for service checkout`},
		{"params of another action", []noctuary.Suggestion{{Recommendation: noctuary.Recommendation{Text: "x", Action: "flush-cache",
			Params: map[string]string{"sha": "f8b3e22"}}}}, `fake-model answer invalid: suggestion 2: action flush-cache has no param "sha"`},
		{"empty", []noctuary.Suggestion{{}}, "fake-model answer invalid: suggestion 2 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodResult()
			r.Suggestions = append([]noctuary.Suggestion{{Recommendation: r.Recommendation}}, tt.more...)
			res := Hypothesize(context.Background(), &fakeEngine{res: r}, request(seedService(), seedEvents()...), 10*time.Second)
			if res.FallbackReason != tt.reason {
				t.Fatalf("FallbackReason = %q, want %q", res.FallbackReason, tt.reason)
			}
			if tt.reason == "" && len(tt.more) > 0 && (!res.Suggestions[0].Destructive || res.Suggestions[1].Destructive) {
				t.Errorf("Destructive not from the declared actions: %+v", res.Suggestions)
			}
		})
	}
	r := goodResult()
	r.Suggestions = []noctuary.Suggestion{text}
	if res := Hypothesize(context.Background(), &fakeEngine{res: r}, request(seedService(), seedEvents()...), 10*time.Second); res.FallbackReason !=
		"fake-model answer invalid: the first suggestion is not the recommendation" {
		t.Errorf("FallbackReason = %q", res.FallbackReason)
	}
}

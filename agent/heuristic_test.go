package agent

import (
	"reflect"
	"testing"

	"github.com/noctuary/noctuary"
)

func request(svc noctuary.Service, evs ...noctuary.ContextEvent) Request {
	inc := seedIncident()
	return Request{Incident: inc, Service: svc, Onset: seedOnset,
		Correlation: Correlate(inc, seedOnset, evs, CorrelateOptions{Service: svc})}
}

func TestHeuristicSeed(t *testing.T) {
	res := Heuristic(request(seedService(), seedEvents()...))
	if want := "Deploy sha=a4f2c1 rolled out 4 minutes before onset"; res.Hypothesis != want {
		t.Errorf("hypothesis = %q, want %q", res.Hypothesis, want)
	}
	if res.Confidence != 0.94 {
		t.Errorf("confidence = %v, want 0.94", res.Confidence)
	}
	want := noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback",
		Params: map[string]string{"sha": "f8b3e22"}, Destructive: true}
	if !reflect.DeepEqual(res.Recommendation, want) {
		t.Errorf("recommendation = %+v, want %+v", res.Recommendation, want)
	}
	if res.Engine != "heuristic" || res.NoContext || len(res.Signals) != 3 || res.Signals[0].Event.ID != "argo-7781" {
		t.Errorf("result = %+v", res)
	}
}

func TestHeuristic(t *testing.T) {
	deploy := event("dep", "checkout", "deploy", "argocd", "02:10:41", "checkout rolled out sha=a4f2c1",
		map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"})
	oom := event("oom", "checkout", "OOMKill", "kubernetes", "02:14:41", "checkout-7d9f container killed", nil)
	noActions := seedService()
	noActions.Actions = nil
	versionParam := seedService()
	versionParam.Actions[0].Params = []string{"version"}
	bare := seedService()
	bare.Actions[0].Params = nil
	withReverts := seedService()
	withReverts.Actions = append(withReverts.Actions,
		noctuary.ActionSpec{Name: "revert-config", Params: []string{"key"}},
		noctuary.ActionSpec{Name: "disable-flag", Params: []string{"flag"}, Destructive: false})
	tests := []struct {
		name       string
		svc        noctuary.Service
		events     []noctuary.ContextEvent
		hypothesis string
		rec        noctuary.Recommendation
		minC, maxC float64
	}{
		{"no declared action: text only", noActions, []noctuary.ContextEvent{deploy, oom},
			"Deploy sha=a4f2c1 rolled out 4 minutes before onset",
			noctuary.Recommendation{Text: "Rollback to sha=f8b3e22"}, 0.8, 0.95},
		{"action param unknown: text only", versionParam, []noctuary.ContextEvent{deploy, oom},
			"Deploy sha=a4f2c1 rolled out 4 minutes before onset",
			noctuary.Recommendation{Text: "Rollback to sha=f8b3e22"}, 0.8, 0.95},
		{"action without params", bare, []noctuary.ContextEvent{deploy, oom},
			"Deploy sha=a4f2c1 rolled out 4 minutes before onset",
			noctuary.Recommendation{Text: "Rollback to sha=f8b3e22", Action: "rollback", Destructive: true}, 0.8, 0.95},
		{"no previous sha", seedService(), []noctuary.ContextEvent{
			event("dep", "checkout", "rollout", "argocd", "02:13:50", "", map[string]string{"version": "2.4.1"}), oom},
			"Deploy version=2.4.1 rolled out 1 minute before onset",
			noctuary.Recommendation{Text: "Roll back the deploy version=2.4.1 to the release before it"}, 0.8, 0.95},
		{"dependency deploy is not rolled back with the service's action", seedService(), []noctuary.ContextEvent{
			event("dep", "postgres-main", "deploy", "argocd", "02:14:30", "", map[string]string{"image": "pg:16.4", "previous_image": "pg:16.3"}), oom},
			"Deploy image=pg:16.4 of postgres-main rolled out less than a minute before onset",
			noctuary.Recommendation{Text: "Rollback postgres-main to image=pg:16.3"}, 0.8, 0.95},
		{"config change without failures", withReverts, []noctuary.ContextEvent{
			event("cfg", "checkout", "config_change", "consul", "01:49:50", "payment timeout 5s to 1s", map[string]string{"key": "payment/timeout"})},
			"Config change key=payment/timeout applied 25 minutes before onset",
			noctuary.Recommendation{Text: "Revert the config change key=payment/timeout (consul, 01:49:50 UTC)", Action: "revert-config",
				Params: map[string]string{"key": "payment/timeout"}}, 0.4, 0.6},
		{"flag change", withReverts, []noctuary.ContextEvent{
			event("ff", "checkout", "feature_flag", "launchdarkly", "02:12:50", "", map[string]string{"flag": "new-cart"}), oom},
			"Feature flag change flag=new-cart made 2 minutes before onset",
			noctuary.Recommendation{Text: "Revert the feature flag change flag=new-cart (launchdarkly, 02:12:50 UTC)", Action: "disable-flag",
				Params: map[string]string{"flag": "new-cart"}}, 0.8, 0.95},
		{"migration is reviewed", seedService(), []noctuary.ContextEvent{
			event("mig", "checkout", "migration", "flyway", "02:04:50", "add index on orders", nil), oom},
			`Migration from flyway ran 10 minutes before onset; flyway wrote "add index on orders"`,
			noctuary.Recommendation{Text: `Look at the migration from flyway at 02:04:50 UTC and undo it if it is the cause; flyway wrote "add index on orders"`}, 0.7, 0.95},
		{"two close deploys lower confidence", seedService(), []noctuary.ContextEvent{
			event("d1", "checkout", "deploy", "argocd", "02:10:41", "", map[string]string{"sha": "b2c3d4e", "previous_sha": "a1b2c3d"}),
			event("d2", "checkout", "deploy", "argocd", "02:10:40", "", map[string]string{"sha": "a1b2c3d", "previous_sha": "9f8e7d6"}), oom},
			"Deploy sha=b2c3d4e rolled out 4 minutes before onset",
			noctuary.Recommendation{Text: "Rollback to sha=a1b2c3d", Action: "rollback", Params: map[string]string{"sha": "a1b2c3d"}, Destructive: true}, 0.5, 0.7},
		{"only failure signals: the first one that is not a symptom", seedService(), []noctuary.ContextEvent{oom},
			`First failure, with no change before it: OOMKill of checkout less than a minute before onset; kubernetes wrote "checkout-7d9f container killed"`,
			noctuary.Recommendation{Text: `Investigate the OOMKill of checkout in kubernetes at 02:14:41 UTC first: the failures after it likely follow from it; kubernetes wrote "checkout-7d9f container killed"`}, 0.3, 0.5},
		{"only the service's own symptoms", seedService(), []noctuary.ContextEvent{
			event("err", "checkout", "HighErrorRate", "prometheus", "02:14:00", "5xx ratio 12%", nil)},
			"No change in the 30 minutes before onset; the strongest signal is HighErrorRate (prometheus, 02:14:00 UTC)",
			noctuary.Recommendation{Text: `Investigate the HighErrorRate in prometheus at 02:14:00 UTC; prometheus wrote "5xx ratio 12%"`}, 0.2, 0.3},
		{"only information and a late change", seedService(), []noctuary.ContextEvent{
			event("hb", "checkout", "heartbeat", "cron", "02:14:00", "", nil),
			event("late", "checkout", "deploy", "argocd", "02:16:00", "hotfix", nil)},
			"No change before onset and no failure signal among the 2 event(s) around onset; the cause is likely outside recent changes",
			noctuary.Recommendation{Text: "Check the dashboards and logs of checkout and its dependencies; the nearest event is heartbeat (cron, 02:14:00 UTC)"}, 0.05, 0.2},
		{"no events", seedService(), nil,
			"No ContextEvents for checkout or its dependencies (postgres-main) in the 30 minutes before onset or the 5 minutes after " +
				"(01:44:50 to 02:19:50 UTC); the cause is likely outside recent changes",
			noctuary.Recommendation{Text: "Check the dashboards and logs of checkout, its dependencies and providers; " +
				"send deploys and config changes to /v1/events so the next triage has context"}, 0.1, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Heuristic(request(tt.svc, tt.events...))
			if res.Hypothesis != tt.hypothesis {
				t.Errorf("hypothesis = %q\n want %q", res.Hypothesis, tt.hypothesis)
			}
			if !reflect.DeepEqual(res.Recommendation, tt.rec) {
				t.Errorf("recommendation = %+v\n want %+v", res.Recommendation, tt.rec)
			}
			if res.Confidence < tt.minC || res.Confidence > tt.maxC {
				t.Errorf("confidence = %v, want in [%v, %v]", res.Confidence, tt.minC, tt.maxC)
			}
			if res.NoContext != (len(tt.events) == 0) {
				t.Errorf("NoContext = %v", res.NoContext)
			}
		})
	}
}

func TestHeuristicWindowWording(t *testing.T) {
	inc := seedIncident()
	req := Request{Incident: inc, Service: seedService(), Onset: seedOnset,
		Correlation: Correlate(inc, seedOnset, nil, CorrelateOptions{Window: 2 * 60 * 60 * 1e9})}
	res := Heuristic(req)
	if want := "No ContextEvents for checkout or its dependencies (postgres-main) in the 2 hours before onset or the 5 minutes after " +
		"(00:14:50 to 02:19:50 UTC); the cause is likely outside recent changes"; res.Hypothesis != want {
		t.Errorf("hypothesis = %q", res.Hypothesis)
	}
}

package agent

import (
	"time"

	"github.com/noctuary/noctuary"
)

// at returns 2026-11-23 at the given UTC time of day ("02:10:41").
func at(hms string) time.Time {
	t, err := time.Parse(time.DateTime, "2026-11-23 "+hms)
	if err != nil {
		panic(err)
	}
	return t
}

func event(id, service, kind, source, hms, summary string, attrs map[string]string) noctuary.ContextEvent {
	return noctuary.ContextEvent{ID: id, Service: service, Kind: kind, Source: source,
		OccurredAt: at(hms), Summary: summary, Attributes: attrs}
}

var seedOnset = at("02:14:50")

func seedIncident() noctuary.Incident {
	return noctuary.Incident{ID: "Q1SEED", Number: 4711, Title: "checkout 5xx rate high", CreatedAt: seedOnset}
}

// seedEvents is the scenario of the design's example note.
func seedEvents() []noctuary.ContextEvent {
	return []noctuary.ContextEvent{
		event("k8s-1", "checkout", "OOMKill", "kubernetes", "02:14:41", "checkout-7d9f container killed (memory limit 512Mi)", nil),
		event("argo-7781", "checkout", "deploy", "argocd", "02:10:41", "checkout rolled out sha=a4f2c1",
			map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}),
		event("pg-1", "postgres-main", "deadlock", "postgres", "02:14:33", "deadlock detected on relation orders", nil),
	}
}

func seedService() noctuary.Service {
	return noctuary.Service{Key: "checkout", Environment: "prod", Enabled: true, Mode: noctuary.ModeAction, LLM: true,
		Dependencies: []string{"postgres-main"},
		Actions: []noctuary.ActionSpec{
			{Name: "rollback", Description: "Roll the service back to a previous sha", Destructive: true,
				Webhook: "https://deployer.internal/hooks/rollback", Params: []string{"sha"}},
			{Name: "flush-cache", Description: "Flush the checkout page cache", Webhook: "https://deployer.internal/hooks/flush"},
		}}
}

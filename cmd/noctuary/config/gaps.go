package config

import (
	"fmt"

	"github.com/noctuary/noctuary"
)

// Gaps reports what a valid configuration still lacks for production.
// Missing is what makes serving pointless, so `noctuary serve` and `noctuary
// config validate` refuse to go on (no integration: no webhook can be
// verified, so no incident ever arrives). Warnings are what a demo or a
// first deployment may well lack on purpose: they are printed, and the
// process goes on.
func (c *Config) Gaps() (missing error, warnings []string) {
	if len(c.Integrations) == 0 {
		missing = noctuary.Errorf(noctuary.EInvalid, "no PagerDuty integration is defined, so no webhook can be verified: set NOCTUARY_PAGERDUTY_WEBHOOK_SECRET, or list integrations in the file named by NOCTUARY_CONFIG")
	}
	if c.RedisURL == "" {
		warnings = append(warnings, "NOCTUARY_REDIS_URL is not set: the embedded in-memory store loses every queue and setting on restart and cannot be shared by replicas")
	}
	for _, in := range c.Integrations {
		if !in.HasCredential() {
			warnings = append(warnings, fmt.Sprintf("integration %q has no PagerDuty key or OAuth app: it runs in dry run (notes are logged and kept, not posted)", in.ID))
		}
	}
	warnings = append(warnings, c.serviceGaps()...)
	if len(c.IngestTokens) == 0 {
		warnings = append(warnings, "no ingest token is set (NOCTUARY_INGEST_TOKENS or ingest_tokens:): POST /v1/events refuses every ContextEvent, so triage has no context")
	}
	return missing, warnings
}

func (c *Config) serviceGaps() []string {
	if len(c.Services) == 0 {
		return []string{"no service is declared (services: in NOCTUARY_CONFIG): no incident gets a note until an admin creates and enables one (/noctuary create)"}
	}
	for _, s := range c.Services {
		if s.Enabled {
			return nil
		}
	}
	return []string{"no declared service is enabled: no incident gets a note until an admin enables one (enabled: true, or /noctuary enable)"}
}

package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/noctuary/noctuary"
)

const extraKeysFile = `integrations:
  - id: prod
    environment: prod
    webhook_secret: whs-prod
    from: noctuary@example.com
    pagerduty_token: ${PD_TOKEN}
    pagerduty_extra_tokens:
      - ${PD_TOKEN_2}
      - key-3
`

func TestExtraKeysFromTheFileAndTheEnvironment(t *testing.T) {
	cfg, err := Parse([]byte(extraKeysFile), "x.yaml", env(map[string]string{
		"PD_TOKEN": "key-1", "PD_TOKEN_2": "key-2",
		"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs", "NOCTUARY_PAGERDUTY_FROM": "bot@example.com",
		"NOCTUARY_PAGERDUTY_TOKEN": "env-1", "NOCTUARY_PAGERDUTY_EXTRA_TOKENS": " env-2, ,env-3 ",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, in := range cfg.Integrations {
		for _, k := range append([]noctuary.Secret{in.Token}, in.ExtraTokens...) {
			got[in.ID] = append(got[in.ID], k.Reveal())
		}
	}
	if !slices.Equal(got["prod"], []string{"key-1", "key-2", "key-3"}) || !slices.Equal(got["default"], []string{"env-1", "env-2", "env-3"}) {
		t.Errorf("keys = %q", got)
	}
	if out := fmt.Sprintf("%+v %#v", cfg, cfg); strings.Contains(out, "key-") || strings.Contains(out, "env-") {
		t.Errorf("a key shows:\n%s", out)
	}
}

func TestExtraKeyProblems(t *testing.T) {
	const fix = "a key adds its budget once: create another REST API key in PagerDuty (Integrations > API Access Keys) or remove the item"
	vars := map[string]string{"PD_TOKEN": "key-1", "PD_TOKEN_2": "key-2"}
	envVars := func(kv ...string) map[string]string {
		m := map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs", "NOCTUARY_PAGERDUTY_FROM": "bot@example.com"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, file string
		vars       map[string]string
		want       []string
	}{
		{"same as the main key", strings.Replace(extraKeysFile, "key-3", "${PD_TOKEN}", 1), vars, []string{
			`n.yaml:8: pagerduty_extra_tokens: item 2 is the same key as pagerduty_token; ` + fix}},
		{"listed twice", strings.Replace(extraKeysFile, "key-3", "${PD_TOKEN_2}", 1), vars, []string{
			`n.yaml:8: pagerduty_extra_tokens: items 1 and 2 are the same key; ` + fix}},
		{"empty item", strings.Replace(extraKeysFile, "key-3", `""`, 1), vars, []string{
			`n.yaml:9: pagerduty_extra_tokens: an item is empty`}},
		{"no main key", strings.Replace(extraKeysFile, "    pagerduty_token: ${PD_TOKEN}\n", "", 1), vars, []string{
			`n.yaml:7: pagerduty_extra_tokens: extra keys are used besides the main key pagerduty_token, which is not set; set it to one of the keys`}},
		{"with an OAuth app", strings.Replace(oauthFile, "    oauth:", "    pagerduty_extra_tokens: [k2]\n    oauth:", 1),
			map[string]string{"PD_OAUTH_SECRET": "s"}, []string{
				`n.yaml:6: pagerduty_extra_tokens: an integration with a scoped OAuth app (oauth) takes no extra keys: Noctuary spreads requests over REST API keys only; remove the extra keys, or use pagerduty_token instead of the app`}},
		{"environment: same as the main key", "", envVars("NOCTUARY_PAGERDUTY_TOKEN", "k1", "NOCTUARY_PAGERDUTY_EXTRA_TOKENS", "k2,k1"), []string{
			`NOCTUARY_PAGERDUTY_EXTRA_TOKENS: item 2 is the same key as NOCTUARY_PAGERDUTY_TOKEN; ` + fix}},
		{"environment: no main key", "", envVars("NOCTUARY_PAGERDUTY_EXTRA_TOKENS", "k2"), []string{
			`NOCTUARY_PAGERDUTY_EXTRA_TOKENS: extra keys are used besides the main key NOCTUARY_PAGERDUTY_TOKEN, which is not set; set it to one of the keys`}},
		{"environment: with an OAuth app", "", envVars("NOCTUARY_PAGERDUTY_EXTRA_TOKENS", "k2", "NOCTUARY_PAGERDUTY_OAUTH_CLIENT_ID", "c",
			"NOCTUARY_PAGERDUTY_OAUTH_CLIENT_SECRET", "s", "NOCTUARY_PAGERDUTY_OAUTH_SUBDOMAIN", "acme"), []string{
			`NOCTUARY_PAGERDUTY_EXTRA_TOKENS: an integration with a scoped OAuth app (the NOCTUARY_PAGERDUTY_OAUTH_* variables) takes no extra keys: Noctuary spreads requests over REST API keys only; remove the extra keys, or use NOCTUARY_PAGERDUTY_TOKEN instead of the app`}},
		{"settings: listed twice", "settings:\n  pagerduty_extra_tokens: k2, k2\n", envVars("NOCTUARY_PAGERDUTY_TOKEN", "k1"), []string{
			`n.yaml:2: pagerduty_extra_tokens: items 1 and 2 are the same key; ` + fix}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.file, tt.vars, tt.want) })
	}
}

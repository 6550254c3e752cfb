package config

import (
	"strings"
	"testing"
)

const oauthFile = `integrations:
  - id: prod
    environment: prod
    webhook_secret: whs-prod
    from: noctuary@example.com
    oauth:
      client_id: cid
      client_secret: ${PD_OAUTH_SECRET}
      region: eu
      subdomain: acme
`

func TestOAuthIntegrationFromTheFileAndTheEnvironment(t *testing.T) {
	cfg, err := Parse([]byte(oauthFile), "o.yaml", env(map[string]string{
		"PD_OAUTH_SECRET": "file-secret", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs", "NOCTUARY_PAGERDUTY_FROM": "bot@example.com",
		"NOCTUARY_PAGERDUTY_OAUTH_CLIENT_ID": "env-cid", "NOCTUARY_PAGERDUTY_OAUTH_CLIENT_SECRET": "env-secret",
		"NOCTUARY_PAGERDUTY_OAUTH_SUBDOMAIN": "beta", "NOCTUARY_PAGERDUTY_OAUTH_TOKEN_URL": "http://127.0.0.1:1/oauth/token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range cfg.Integrations {
		if in.OAuth == nil || !in.HasCredential() {
			t.Fatalf("integration %s has no OAuth app", in.ID)
		}
		got[in.ID] = in.OAuth.ClientID + " " + in.OAuth.ClientSecret.Reveal() + " " + in.OAuth.AccountScope() + " " + in.OAuth.TokenURL
	}
	if got["prod"] != "cid file-secret as_account-eu.acme " || got["default"] != "env-cid env-secret as_account-us.beta http://127.0.0.1:1/oauth/token" {
		t.Errorf("apps = %q", got)
	}
}

func TestOAuthProblems(t *testing.T) {
	tests := []struct {
		name, file string
		vars       map[string]string
		want       []string
	}{
		{"missing fields", strings.Replace(strings.Replace(oauthFile, "      client_id: cid\n", "", 1), "      subdomain: acme\n", "", 1),
			map[string]string{"PD_OAUTH_SECRET": "s"}, []string{
				`n.yaml:7: oauth: client_id is required: the scoped OAuth app's client_id, from PagerDuty's App Registration`,
				`n.yaml:7: oauth: subdomain is required: the scoped OAuth app's subdomain, from PagerDuty's App Registration`}},
		{"bad region and subdomain", strings.Replace(strings.Replace(oauthFile, "region: eu", "region: ap", 1), "acme", "Acme.pagerduty.com", 1),
			map[string]string{"PD_OAUTH_SECRET": "s"}, []string{
				`n.yaml:7: oauth: region: "ap" is not a PagerDuty service region; use us or eu`,
				`n.yaml:7: oauth: subdomain: "Acme.pagerduty.com" is not an account subdomain; use the part before .pagerduty.com, e.g. acme`}},
		{"key and app", strings.Replace(oauthFile, "    oauth:", "    pagerduty_token: k\n    oauth:", 1),
			map[string]string{"PD_OAUTH_SECRET": "s"}, []string{
				`n.yaml:8: set pagerduty_token or oauth, not both: an integration uses one credential`}},
		{"no from", strings.Replace(oauthFile, "    from: noctuary@example.com\n", "", 1),
			map[string]string{"PD_OAUTH_SECRET": "s"}, []string{
				`n.yaml:2: from is required with oauth: PagerDuty needs the email of the user Noctuary acts as`}},
		{"environment without a secret", "", map[string]string{"NOCTUARY_PAGERDUTY_FROM": "a@example.com",
			"NOCTUARY_PAGERDUTY_OAUTH_CLIENT_ID": "c", "NOCTUARY_PAGERDUTY_OAUTH_SUBDOMAIN": "acme"}, []string{
			`NOCTUARY_PAGERDUTY_OAUTH_CLIENT_SECRET is required: the scoped OAuth app's client_secret, from PagerDuty's App Registration`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.file, tt.vars, tt.want) })
	}
}

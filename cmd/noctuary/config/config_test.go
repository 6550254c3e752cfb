package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noctuary/noctuary"
)

// env returns a lookup function over vars.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// makeRunEnv is what `make run` exports.
var makeRunEnv = map[string]string{
	"NOCTUARY_CONFIG":                   "../../../examples/noctuary.yaml",
	"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "demo-webhook-secret",
	"NOCTUARY_ADMIN_TOKEN":              "demo-admin-token",
	"NOCTUARY_INGEST_TOKENS":            "demo-ingest-token",
	"DEMO_ACTION_SECRET":                "demo-action-secret",
}

func TestExampleFileLoadsWithMakeRunEnv(t *testing.T) {
	cfg, err := Load(env(makeRunEnv))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Integrations) != 1 || cfg.Integrations[0].ID != "default" || cfg.Integrations[0].WebhookSecrets[0] != "demo-webhook-secret" {
		t.Errorf("integrations = %+v, want only default with the webhook secret", cfg.Integrations)
	}
	if len(cfg.Services) != 2 {
		t.Fatalf("services = %+v, want checkout and postgres-main", cfg.Services)
	}
	checkout := cfg.Services[0]
	rollback, _ := checkout.Action("rollback")
	flush, _ := checkout.Action("flush-cache")
	if checkout.Key != "checkout" || !checkout.Enabled || checkout.Mode != noctuary.ModeReadOnly ||
		!rollback.Destructive || rollback.Secret != "demo-action-secret" || flush.Destructive {
		t.Errorf("checkout = %+v", checkout)
	}
	if pg := cfg.Services[1]; pg.Key != "postgres-main" || pg.Enabled || pg.Environment != "default" {
		t.Errorf("postgres-main = %+v", pg)
	}
	if cfg.AdminToken != "demo-admin-token" || len(cfg.IngestTokens) != 1 || cfg.IngestTokens[0].Token != "demo-ingest-token" {
		t.Errorf("admin token or ingest tokens wrong: %d tokens", len(cfg.IngestTokens))
	}
	if cfg.File != makeRunEnv["NOCTUARY_CONFIG"] {
		t.Errorf("File = %q", cfg.File)
	}
}

func TestNothingSetGivesDefault(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	_, err := Load(env(map[string]string{"NOCTUARY_CONFIG": filepath.Join(t.TempDir(), "missing.yaml")}))
	if noctuary.ErrorCode(err) != noctuary.EInvalid || !strings.HasPrefix(err.Error(), "NOCTUARY_CONFIG: cannot read the configuration file: ") {
		t.Errorf("err = %v", err)
	}
}

func TestEnvironmentWinsOverFile(t *testing.T) {
	file := `settings:
  addr: ":9090"
  correlation_window: 45m
  triage_concurrency: 8
  llm_timeout: ten
  gemini_model: gemini-from-file
`
	cfg, err := Parse([]byte(file), "n.yaml", env(map[string]string{
		"NOCTUARY_ADDR":         ":7070",
		"NOCTUARY_LLM_TIMEOUT":  "3s", // the file's invalid value is never used
		"NOCTUARY_GEMINI_MODEL": "",   // empty counts as unset
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s %s %d %s %s", cfg.Addr, cfg.CorrelationWindow, cfg.TriageConcurrency, cfg.LLMTimeout, cfg.Gemini.Model)
	if want := ":7070 45m0s 8 3s gemini-from-file"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestEverySettingFromEnvironment(t *testing.T) {
	key := "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=" // 32 bytes
	vars := map[string]string{
		"NOCTUARY_ADDR": "127.0.0.1:9000", "NOCTUARY_REDIS_URL": "rediss://r:6380/1", "NOCTUARY_PUBLIC_URL": "https://n.example.com",
		"NOCTUARY_ADMIN_TOKEN": "adm", "NOCTUARY_MASTER_KEY": key, "NOCTUARY_PAGERDUTY_API_URL": "https://api.eu.pagerduty.com/",
		"NOCTUARY_PAGERDUTY_TOKEN": "pdt", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs", "NOCTUARY_PAGERDUTY_FROM": "bot@example.com",
		"NOCTUARY_SLACK_BOT_TOKEN": "xoxb", "NOCTUARY_SLACK_SIGNING_SECRET": "ss", "NOCTUARY_SLACK_APP_TOKEN": "xapp",
		"NOCTUARY_SLACK_API_URL": "http://slack.test/api", "NOCTUARY_GEMINI_API_KEY": "gk", "NOCTUARY_GEMINI_MODEL": "m",
		"NOCTUARY_GEMINI_BASE_URL": "http://gemini.test", "NOCTUARY_LLM_TIMEOUT": "2s", "NOCTUARY_INGEST_TOKENS": " a, ,b ",
		"NOCTUARY_TRIAGE_CONCURRENCY": "256", "NOCTUARY_APPROVAL_TTL": "1h", "NOCTUARY_CORRELATION_WINDOW": "2h",
		"NOCTUARY_EVENT_RETENTION":         "24h",
		"NOCTUARY_CLAIM_IDLE":              "2m",
		"NOCTUARY_SHUTDOWN_GRACE":          "5s",
		"NOCTUARY_PAGERDUTY_RATE_LIMIT":    "480",
		"NOCTUARY_INGEST_RATE_LIMIT":       "50",
		"NOCTUARY_INGEST_BURST":            "700",
		"NOCTUARY_CORRELATION_MEMO_EVENTS": "0",
	}
	cfg, err := Parse(nil, "", env(vars))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Addr: "127.0.0.1:9000", RedisURL: "rediss://r:6380/1", PublicURL: "https://n.example.com", AdminToken: "adm",
		MasterKey: Key("01234567890123456789012345678901"), PagerDutyAPIURL: "https://api.eu.pagerduty.com",
		Integrations: []noctuary.Integration{{ID: "default", Environment: "default", Direction: noctuary.DirectionBidirectional,
			Token: "pdt", WebhookSecrets: []noctuary.Secret{"whs"}, From: "bot@example.com", APIURL: "https://api.eu.pagerduty.com"}},
		IngestTokens: []IngestToken{{Token: "a"}, {Token: "b"}},
		Slack:        Slack{BotToken: "xoxb", SigningSecret: "ss", AppToken: "xapp", APIURL: "http://slack.test/api/"},
		Gemini:       Gemini{APIKey: "gk", Model: "m", BaseURL: "http://gemini.test"},
		LLMTimeout:   2 * time.Second, ApprovalTTL: time.Hour, CorrelationWindow: 2 * time.Hour, EventRetention: 24 * time.Hour, ClaimIdle: 2 * time.Minute, ShutdownGrace: 5 * time.Second, PagerDutyRateLimit: 480,
		TriageConcurrency: 256, LLMConcurrency: 8, Sources: Default().Sources, IngestRateLimit: 50, IngestBurst: 700,
		CorrelationMemoEvents: 0,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %#v\nwant %#v", cfg, want)
	}
}

func TestFileDeclaresEverything(t *testing.T) {
	file := `integrations:
  - id: prod
    environment: prod
    pagerduty_token: ${PD_TOKEN}
    webhook_secret: ${PD_SECRET}
    from: noctuary@example.com
    api_url: https://api.eu.pagerduty.com/
  - id: staging
    environment: staging
    direction: inbound
    pagerduty_token: read-only-key   # inbound never writes: no from needed
    webhook_secret: s3
services:
  - key: checkout
    environment: prod
    mode: action
    auto_acknowledge: 0.9
    llm: false
    actions:
      - name: restart
        webhook: https://deployer.internal/restart
        secret: "pa$$word"
        destructive: true
  - key: payments
    environment: staging
ingest_tokens:
  - plain-token
  - {token: "${SCOPED}", services: [checkout, payments]}
slack:
  admins: [U0ADMIN, W0ADMIN]
`
	cfg, err := Parse([]byte(file), "n.yaml", env(map[string]string{"PD_TOKEN": "pdt", "PD_SECRET": "pds", "SCOPED": "sc"}))
	if err != nil {
		t.Fatal(err)
	}
	prod, staging := cfg.Integrations[0], cfg.Integrations[1]
	if prod.Token != "pdt" || prod.WebhookSecrets[0] != "pds" || prod.Direction != noctuary.DirectionBidirectional ||
		prod.APIURL != "https://api.eu.pagerduty.com" || staging.APIURL != "https://api.pagerduty.com" {
		t.Errorf("integrations = %+v", cfg.Integrations)
	}
	checkout, payments := cfg.Services[0], cfg.Services[1]
	restart, _ := checkout.Action("restart")
	if checkout.LLM || *checkout.AutoAcknowledge != 0.9 || restart.Secret != "pa$word" || !restart.Destructive {
		t.Errorf("checkout = %+v", checkout)
	}
	if !payments.LLM || payments.Enabled || payments.Mode != noctuary.ModeReadOnly || payments.AutoAcknowledge != nil {
		t.Errorf("payments defaults = %+v", payments)
	}
	wantTokens := []IngestToken{{Token: "plain-token"}, {Token: "sc", Services: []string{"checkout", "payments"}}}
	if !reflect.DeepEqual(cfg.IngestTokens, wantTokens) || !reflect.DeepEqual(cfg.Slack.Admins, []string{"U0ADMIN", "W0ADMIN"}) {
		t.Errorf("tokens %v admins %v", cfg.IngestTokens, cfg.Slack.Admins)
	}
}

func TestExpand(t *testing.T) {
	vars := env(map[string]string{"A": "x", "EMPTY": "", "NESTED": "${A}"})
	tests := []struct{ in, want, problem string }{
		{"plain", "plain", ""},
		{"${A}", "x", ""},
		{"pre-${A}-${A}-post", "pre-x-x-post", ""},
		{"$$A and $${A}", "$A and ${A}", ""},
		{"cost: $5 and a trailing $", "cost: $5 and a trailing $", ""},
		{"${NESTED}", "${A}", ""},
		{"${MISSING}", "", "${MISSING} is not set; export it or remove the line"},
		{"${EMPTY}", "", "${EMPTY} is not set; export it or remove the line"},
		{"${1A}", "", "${ must be followed by a variable name and }; write $$ for a literal $"},
		{"${A", "", "${ must be followed by a variable name and }; write $$ for a literal $"},
		{"${}", "", "${ must be followed by a variable name and }; write $$ for a literal $"},
	}
	for _, tt := range tests {
		got, problem := expand(tt.in, vars)
		if got != tt.want || problem != tt.problem {
			t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
}

func TestKeyNeverPrints(t *testing.T) {
	k := Key("0123456789abcdef0123456789abcdef")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		if got := fmt.Sprintf(verb, k); got != redacted {
			t.Errorf("Sprintf(%s) = %q", verb, got)
		}
	}
}

func TestNoSecretInOutputOrErrors(t *testing.T) {
	secrets := map[string]string{
		"NOCTUARY_ADMIN_TOKEN": "S3CRET-admin", "NOCTUARY_PAGERDUTY_TOKEN": "S3CRET-pdtoken",
		"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "S3CRET-webhook", "NOCTUARY_SLACK_BOT_TOKEN": "S3CRET-bot",
		"NOCTUARY_SLACK_SIGNING_SECRET": "S3CRET-signing", "NOCTUARY_SLACK_APP_TOKEN": "S3CRET-app",
		"NOCTUARY_GEMINI_API_KEY": "S3CRET-gemini", "NOCTUARY_INGEST_TOKENS": "S3CRET-ingest,S3CRET-ingest",
		"NOCTUARY_PAGERDUTY_EXTRA_TOKENS": "S3CRET-extra1, S3CRET-extra2",
		"ACTION_SECRET":                   "S3CRET-action", "FILE_TOKEN": "S3CRET-file",
	}
	file := `services:
  - key: a
    actions: [{name: x, webhook: "https://h/x", secret: "${ACTION_SECRET}"}]
ingest_tokens: ["${FILE_TOKEN}"]
`
	valid := map[string]string{"NOCTUARY_PAGERDUTY_FROM": "a@example.com",
		"NOCTUARY_MASTER_KEY": "S3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3CRETS3="}
	invalid := map[string]string{"NOCTUARY_MASTER_KEY": "S3CRET-not-base64", "NOCTUARY_REDIS_URL": "http://u:S3CRET-redis@h",
		"NOCTUARY_PUBLIC_URL": "S3CRET-url"}
	for name, extra := range map[string]map[string]string{"valid": valid, "invalid": invalid} {
		vars := map[string]string{}
		for _, m := range []map[string]string{secrets, extra} {
			for k, v := range m {
				vars[k] = v
			}
		}
		cfg, err := Parse([]byte(file), "n.yaml", env(vars))
		out := fmt.Sprintf("%+v %#v %v", cfg, cfg, err)
		if strings.Contains(out, "S3CRET") {
			t.Errorf("%s: a secret leaked:\n%s", name, out)
		}
		if name == "invalid" && err == nil {
			t.Errorf("invalid: no error")
		}
	}
}

func TestErrorsAreInvalidDomainErrors(t *testing.T) {
	_, err := Parse([]byte("services: [{key: a, bogus: 1}]"), "n.yaml", env(map[string]string{"NOCTUARY_ADDR": "x"}))
	var e *noctuary.Error
	if !errors.As(err, &e) || e.Code != noctuary.EInvalid {
		t.Errorf("err = %#v, want a *noctuary.Error with code invalid", err)
	}
}

func TestLoadReadsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.yaml")
	if err := os.WriteFile(path, []byte("settings:\n  bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(env(map[string]string{"NOCTUARY_CONFIG": path}))
	want := path + `:2: settings: unknown key "bogus"; see the NOCTUARY_* variables in the README, in lower case without the prefix`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

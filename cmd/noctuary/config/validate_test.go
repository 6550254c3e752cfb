package config

import (
	"strings"
	"testing"
)

// problems parses file with the integration "default" defined plus vars, and
// returns the messages of the error, one a line.
func problems(t *testing.T, file string, vars map[string]string) []string {
	t.Helper()
	all := map[string]string{"NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": "whs"}
	for k, v := range vars {
		all[k] = v
	}
	_, err := Parse([]byte(file), "n.yaml", env(all))
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func checkProblems(t *testing.T, file string, vars map[string]string, want []string) {
	t.Helper()
	got := problems(t, file, vars)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n  got  %q\n  want %q", got, want)
	}
}

func TestSettingProblems(t *testing.T) {
	tests := []struct {
		name, file string
		vars       map[string]string
		want       []string
	}{
		{"duration", "", map[string]string{"NOCTUARY_LLM_TIMEOUT": "ten"},
			[]string{`NOCTUARY_LLM_TIMEOUT: "ten" is not a duration; use e.g. 10s, 30m or 72h`}},
		{"days are not a duration", "", map[string]string{"NOCTUARY_EVENT_RETENTION": "3d"},
			[]string{`NOCTUARY_EVENT_RETENTION: "3d" is not a duration; use e.g. 10s, 30m or 72h`}},
		{"negative duration", "", map[string]string{"NOCTUARY_APPROVAL_TTL": "-5m"},
			[]string{`NOCTUARY_APPROVAL_TTL: "-5m" must be positive`}},
		{"zero duration", "", map[string]string{"NOCTUARY_CORRELATION_WINDOW": "0s"},
			[]string{`NOCTUARY_CORRELATION_WINDOW: "0s" must be positive`}},
		{"concurrency zero", "", map[string]string{"NOCTUARY_TRIAGE_CONCURRENCY": "0"},
			[]string{`NOCTUARY_TRIAGE_CONCURRENCY: "0" is not a number of triages from 1 to 256`}},
		{"llm timeout too long", "", map[string]string{"NOCTUARY_LLM_TIMEOUT": "2m"},
			[]string{`NOCTUARY_LLM_TIMEOUT: 2m0s is longer than 1m0s: the note waits for the LLM, and a triage must finish within its lock; use e.g. 10s`}},
		{"rate limit", "", map[string]string{"NOCTUARY_PAGERDUTY_RATE_LIMIT": "0"},
			[]string{`NOCTUARY_PAGERDUTY_RATE_LIMIT: "0" is not a number of requests per minute from 1 to 100000 (PagerDuty allows 960 per key)`}},
		{"retention shorter than the window", "", map[string]string{"NOCTUARY_EVENT_RETENTION": "10m", "NOCTUARY_CORRELATION_WINDOW": "45m"},
			[]string{`NOCTUARY_EVENT_RETENTION: 10m0s is shorter than NOCTUARY_CORRELATION_WINDOW (45m0s): events would be gone before incidents look for them; keep at least the window`}},
		{"memo negative", "", map[string]string{"NOCTUARY_CORRELATION_MEMO_EVENTS": "-1"},
			[]string{`NOCTUARY_CORRELATION_MEMO_EVENTS: "-1" is not a number of events from 0 to 10000000 (0 turns the memo off)`}},
		{"concurrency too high", "", map[string]string{"NOCTUARY_TRIAGE_CONCURRENCY": "257"},
			[]string{`NOCTUARY_TRIAGE_CONCURRENCY: "257" is not a number of triages from 1 to 256`}},
		{"concurrency not a number", "", map[string]string{"NOCTUARY_TRIAGE_CONCURRENCY": "four"},
			[]string{`NOCTUARY_TRIAGE_CONCURRENCY: "four" is not a number of triages from 1 to 256`}},
		{"addr", "", map[string]string{"NOCTUARY_ADDR": "8080"},
			[]string{`NOCTUARY_ADDR: "8080" is not host:port; use e.g. :8080`}},
		{"redis scheme", "", map[string]string{"NOCTUARY_REDIS_URL": "http://localhost:6379"},
			[]string{`NOCTUARY_REDIS_URL: must be a redis:// or rediss:// URL, e.g. redis://localhost:6379/0`}},
		{"http urls", "", map[string]string{"NOCTUARY_PUBLIC_URL": "localhost:8080", "NOCTUARY_PAGERDUTY_API_URL": "ftp://pd",
			"NOCTUARY_SLACK_API_URL": "/api/", "NOCTUARY_GEMINI_BASE_URL": "https://"},
			[]string{
				`NOCTUARY_PUBLIC_URL: must be an absolute http:// or https:// URL`,
				`NOCTUARY_PAGERDUTY_API_URL: must be an absolute http:// or https:// URL`,
				`NOCTUARY_SLACK_API_URL: must be an absolute http:// or https:// URL`,
				`NOCTUARY_GEMINI_BASE_URL: must be an absolute http:// or https:// URL`,
			}},
		{"master key not base64", "", map[string]string{"NOCTUARY_MASTER_KEY": "not base64!"},
			[]string{`NOCTUARY_MASTER_KEY: must be 32 random bytes in base64 (the value is not shown); generate one with: openssl rand -base64 32`}},
		{"master key too short", "", map[string]string{"NOCTUARY_MASTER_KEY": "c2hvcnQ="},
			[]string{`NOCTUARY_MASTER_KEY: must be 32 random bytes in base64 (the value is not shown); generate one with: openssl rand -base64 32`}},
		{"from not an email", "", map[string]string{"NOCTUARY_PAGERDUTY_FROM": "Noctuary"},
			[]string{`NOCTUARY_PAGERDUTY_FROM: "Noctuary" is not an email address; use the email of the PagerDuty user Noctuary acts as`}},
		{"token without from", "", map[string]string{"NOCTUARY_PAGERDUTY_TOKEN": "t"},
			[]string{`NOCTUARY_PAGERDUTY_FROM is required with NOCTUARY_PAGERDUTY_TOKEN: PagerDuty needs the email of the user Noctuary acts as`}},
		{"token without webhook secret", "", map[string]string{"NOCTUARY_PAGERDUTY_TOKEN": "t", "NOCTUARY_PAGERDUTY_WEBHOOK_SECRET": ""},
			[]string{`NOCTUARY_PAGERDUTY_TOKEN is set but NOCTUARY_PAGERDUTY_WEBHOOK_SECRET is not; the integration "default" needs its webhook secret`}},
		{"webhook secret alone is a dry run", "", nil, nil},
		{"file setting", "settings:\n  llm_timeout: ten\n", nil,
			[]string{`n.yaml:2: llm_timeout: "ten" is not a duration; use e.g. 10s, 30m or 72h`}},
		{"file setting unset variable", "settings:\n  admin_token: ${ADMIN}\n", nil,
			[]string{`n.yaml:2: ${ADMIN} is not set; export it or remove the line`}},
		{"file setting overridden by environment is not expanded", "settings:\n  admin_token: ${ADMIN}\n",
			map[string]string{"NOCTUARY_ADMIN_TOKEN": "a"}, nil},
		{"unknown setting", "settings:\n  llm_timout: 5s\n  addr: ':1'\n  config: x\n", nil,
			[]string{
				`n.yaml:4: settings: unknown key "config"; see the NOCTUARY_* variables in the README, in lower case without the prefix`,
				`n.yaml:2: settings: unknown key "llm_timout"; see the NOCTUARY_* variables in the README, in lower case without the prefix`,
			}},
		{"duplicate ingest token", "ingest_tokens: [a, b]\n", map[string]string{"NOCTUARY_INGEST_TOKENS": "b,c,c"},
			[]string{
				`NOCTUARY_INGEST_TOKENS: this ingest token is also listed at n.yaml:1; list each token once`,
				`NOCTUARY_INGEST_TOKENS: this ingest token is also listed in NOCTUARY_INGEST_TOKENS; list each token once`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.file, tt.vars, tt.want) })
	}
}

func TestFileProblems(t *testing.T) {
	tests := []struct{ name, file, want string }{
		// decoding
		{"unknown key", "services:\n  - key: a\n    chanel: C1\n", `n.yaml:3: unknown key "chanel"`},
		{"unknown top-level key", "slack:\n  admins: []\nservice: []\n", `n.yaml:3: unknown key "service"`},
		{"wrong type", "services:\n  - key: a\n    enabled: maybe\n", "n.yaml:3: expected true or false, found text `maybe`"},
		{"list expected", "services: {key: a}\n", `n.yaml:1: expected a list, found a mapping`},
		{"duplicate key", "slack:\n  admins: []\n  admins: []\n", `n.yaml:3: mapping key "admins" already defined at line 2`},
		{"two documents", "slack: {}\n---\nslack: {}\n", `n.yaml: the file must hold a single YAML document`},
		{"syntax", "services:\n  - key: a\n    b: c: d\n", `n.yaml:3: mapping values are not allowed in this context`},
		// expansion
		{"unset variable", "services:\n  - key: ${KEY}\n", `n.yaml:2: ${KEY} is not set; export it or remove the line`},
		{"bad reference", "services:\n  - key: ${KEY\n", `n.yaml:2: ${ must be followed by a variable name and }; write $$ for a literal $`},
		// integrations
		{"integration id required", "integrations:\n  - environment: prod\n    webhook_secret: s\n", `n.yaml:2: integration id is required`},
		{"integration id invalid", "integrations:\n  - id: pro d\n    environment: prod\n    webhook_secret: s\n",
			`n.yaml:2: integration id "pro d" may hold only letters, digits, '.', '_' and '-'`},
		{"integration id clashes with default", "integrations:\n  - id: default\n    environment: prod\n    webhook_secret: s\n",
			`n.yaml:2: integration id "default" is already defined by NOCTUARY_PAGERDUTY_WEBHOOK_SECRET`},
		{"integration id twice", "integrations:\n  - {id: a, environment: a, webhook_secret: s}\n  - {id: a, environment: b, webhook_secret: s}\n",
			`n.yaml:3: integration id "a" is already defined at n.yaml:2`},
		{"environment required", "integrations:\n  - id: a\n    webhook_secret: s\n", `n.yaml:2: environment is required`},
		{"environment twice", "integrations:\n  - {id: a, environment: prod, webhook_secret: s}\n  - {id: b, environment: prod, webhook_secret: s}\n",
			`n.yaml:3: environment "prod" is already defined at n.yaml:2`},
		{"environment default twice", "integrations:\n  - {id: a, environment: default, webhook_secret: s}\n",
			`n.yaml:2: environment "default" is already defined by NOCTUARY_PAGERDUTY_WEBHOOK_SECRET`},
		{"direction", "integrations:\n  - id: a\n    environment: a\n    direction: outbound\n    webhook_secret: s\n",
			`n.yaml:4: direction: "outbound" is not valid; use bidirectional or inbound`},
		{"webhook secret required", "integrations:\n  - id: a\n    environment: a\n",
			`n.yaml:2: webhook_secret is required; Noctuary never accepts unsigned webhooks`},
		{"webhook secret empty", "integrations:\n  - id: a\n    environment: a\n    webhook_secret: ''\n",
			`n.yaml:2: webhook_secret is required; Noctuary never accepts unsigned webhooks`},
		{"from required with token", "integrations:\n  - {id: a, environment: a, webhook_secret: s, pagerduty_token: t}\n",
			`n.yaml:2: from is required with pagerduty_token: PagerDuty needs the email of the user Noctuary acts as`},
		{"from invalid", "integrations:\n  - id: a\n    environment: a\n    webhook_secret: s\n    from: me\n",
			`n.yaml:5: from: "me" is not an email address; use the email of the PagerDuty user Noctuary acts as`},
		{"api url", "integrations:\n  - id: a\n    environment: a\n    webhook_secret: s\n    api_url: api.pagerduty.com\n",
			`n.yaml:5: api_url: must be an absolute http:// or https:// URL`},
		// services
		{"service key required", "services:\n  - enabled: true\n", `n.yaml:2: service key is required`},
		{"service key invalid", "services:\n  - key: check/out\n", `n.yaml:2: service key "check/out" may hold only letters, digits, '.', '_' and '-'`},
		{"service key twice", "services:\n  - key: a\n  - key: a\n", `n.yaml:3: service key "a" is already defined at n.yaml:2`},
		{"environment without integration", "services:\n  - key: a\n    environment: prod\n",
			`n.yaml:3: environment "prod" has no integration; declare one under integrations: or fix the name`},
		{"mode", "services:\n  - key: a\n    mode: write\n", `n.yaml:3: mode: "write" is not valid; use read-only or action`},
		{"settings source", "services:\n  - key: a\n    settings_source: redis\n",
			`n.yaml:3: settings_source: "redis" is not valid; use live (live changes win at start-up) or file (the file wins)`},
		{"auto acknowledge zero", "services:\n  - key: a\n    mode: action\n    auto_acknowledge: 0\n",
			`n.yaml:4: auto_acknowledge: 0 is not a confidence above 0 and at most 1; use e.g. 0.9`},
		{"auto acknowledge above one", "services:\n  - key: a\n    mode: action\n    auto_acknowledge: 1.5\n",
			`n.yaml:4: auto_acknowledge: 1.5 is not a confidence above 0 and at most 1; use e.g. 0.9`},
		{"auto acknowledge not a number", "services:\n  - key: a\n    mode: action\n    auto_acknowledge: .nan\n",
			`n.yaml:4: auto_acknowledge: NaN is not a confidence above 0 and at most 1; use e.g. 0.9`},
		{"auto acknowledge read-only", "services:\n  - key: a\n    auto_acknowledge: 0.9\n", `n.yaml:3: auto_acknowledge needs mode: action`},
		{"slack channel", "services:\n  - key: a\n    slack_channel: '#checkout'\n",
			`n.yaml:3: slack_channel: "#checkout" is not a Slack channel ID (C... or G...); copy it from the channel's details`},
		{"pagerduty service id invalid", "services:\n  - key: a\n    pagerduty_service_ids: [P 1]\n",
			`n.yaml:3: pagerduty_service_ids: "P 1" may hold only letters, digits, '.', '_' and '-'`},
		{"pagerduty service id claimed twice", "services:\n  - key: a\n    pagerduty_service_ids: [P1]\n  - key: b\n    pagerduty_service_ids: [P2, P1]\n",
			`n.yaml:5: pagerduty_service_ids: "P1" is already claimed by service "a"`},
		{"empty list item", "services:\n  - key: a\n    pagerduty_service_ids: ['']\n", `n.yaml:3: pagerduty_service_ids: an item is empty`},
		{"dependency on itself", "services:\n  - key: a\n    dependencies: [b, a]\n", `n.yaml:3: dependencies: a service cannot depend on itself`},
		{"dependency invalid", "services:\n  - key: a\n    dependencies: [b c]\n", `n.yaml:3: dependencies: "b c" may hold only letters, digits, '.', '_' and '-'`},
		{"approver", "services:\n  - key: a\n    approvers: [alice]\n",
			`n.yaml:3: approvers: "alice" is not a Slack user or user group ID (U..., W... or S...)`},
		// actions
		{"action name required", "services:\n  - key: a\n    actions:\n      - {webhook: 'https://h/x', secret: s}\n", `n.yaml:4: action name is required`},
		{"action name twice", "services:\n  - key: a\n    actions:\n      - {name: x, webhook: 'https://h/x', secret: s}\n      - {name: x, webhook: 'https://h/x', secret: s}\n",
			`n.yaml:5: action name "x" is already defined at n.yaml:4`},
		{"action webhook required", "services:\n  - key: a\n    actions:\n      - {name: x, secret: s}\n",
			`n.yaml:4: webhook is required: the URL Noctuary POSTs to run the action`},
		{"action webhook invalid", "services:\n  - key: a\n    actions:\n      - name: x\n        webhook: /hooks/x\n        secret: s\n",
			`n.yaml:5: webhook: must be an absolute http:// or https:// URL`},
		{"action secret required", "services:\n  - key: a\n    actions:\n      - {name: x, webhook: 'https://h/x'}\n",
			`n.yaml:4: secret is required: Noctuary signs every action request with it`},
		{"action param invalid", "services:\n  - key: a\n    actions:\n      - {name: x, webhook: 'https://h/x', secret: s, params: [git-sha]}\n",
			`n.yaml:4: params: "git-sha" is not an identifier (letters, digits and _, not starting with a digit)`},
		{"action param twice", "services:\n  - key: a\n    actions:\n      - {name: x, webhook: 'https://h/x', secret: s, params: [sha, sha]}\n",
			`n.yaml:4: params: "sha" is listed twice`},
		// ingest tokens and slack
		{"ingest token required", "ingest_tokens:\n  - {services: [a]}\n", `n.yaml:2: ingest_tokens: token is required`},
		{"ingest token service", "ingest_tokens:\n  - {token: t, services: [a b]}\n", `n.yaml:2: services: "a b" may hold only letters, digits, '.', '_' and '-'`},
		{"ingest token twice", "ingest_tokens:\n  - t\n  - {token: t}\n", `n.yaml:3: this ingest token is also listed at n.yaml:2; list each token once`},
		{"slack admin", "slack:\n  admins: [S0GROUP]\n", `n.yaml:2: slack.admins: "S0GROUP" is not a Slack user ID (U... or W...)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.file, nil, []string{tt.want}) })
	}
}

func TestServiceNeedsDefaultIntegration(t *testing.T) {
	_, err := Parse([]byte("services:\n  - key: a\n"), "n.yaml", env(nil))
	want := `n.yaml:2: environment "default" has no integration; set NOCTUARY_PAGERDUTY_WEBHOOK_SECRET or give the service the environment of a declared integration`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	file := `integrations:
  - id: prod
    environment: prod
services:
  - key: a
    environment: prod
    mode: action
    auto_acknowledge: 2
    approvers: [bob]
  - key: a
settings:
  triage_concurrency: 0
`
	checkProblems(t, file, map[string]string{"NOCTUARY_LLM_TIMEOUT": "soon"}, []string{
		`NOCTUARY_LLM_TIMEOUT: "soon" is not a duration; use e.g. 10s, 30m or 72h`,
		`n.yaml:12: triage_concurrency: "0" is not a number of triages from 1 to 256`,
		`n.yaml:2: webhook_secret is required; Noctuary never accepts unsigned webhooks`,
		`n.yaml:8: auto_acknowledge: 2 is not a confidence above 0 and at most 1; use e.g. 0.9`,
		`n.yaml:9: approvers: "bob" is not a Slack user or user group ID (U..., W... or S...)`,
		`n.yaml:10: service key "a" is already defined at n.yaml:5`,
	})
}

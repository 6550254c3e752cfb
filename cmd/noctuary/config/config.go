// Package config reads Noctuary's configuration: the NOCTUARY_* environment
// variables and the YAML file named by NOCTUARY_CONFIG (docs/architecture.md, "Configuration").
//
// The file is decoded strictly (an unknown key is an error naming its line),
// then every value is validated and every problem is reported at once. The
// environment wins over the file's settings: section; an empty variable or
// value counts as unset.
//
// Text values of the file may reference the environment: ${NAME} is replaced
// by the variable's value, and an unset or empty variable is an error, never
// an empty secret. $$ stands for a literal $; any other $ is kept as is.
// Expanded values are not expanded again.
package config

import (
	"os"
	"time"

	"github.com/noctuary/noctuary"
)

// Config is a complete, validated configuration. Secrets redact themselves
// when printed; call Reveal where the value is needed.
type Config struct {
	Addr       string
	RedisURL   string // "" means the embedded in-memory store
	PublicURL  string
	AdminToken noctuary.Secret // zero: admin API off
	// MasterKey is the decoded 32-byte key encrypting stored secrets, or nil.
	MasterKey       Key
	PagerDutyAPIURL string // without a trailing slash
	// PagerDutyRateLimit is each PagerDuty key's request budget per minute,
	// shared by every replica.
	PagerDutyRateLimit int
	// PagerDutyBurst is how many of them may go at once after a quiet
	// spell; 0 means half of PagerDutyRateLimit.
	PagerDutyBurst int
	// IngestRateLimit is the events a second each ingest token may store,
	// shared by every replica; 0 turns the limit off.
	IngestRateLimit int
	// IngestBurst is how many events a token may send at once.
	IngestBurst int
	// Integrations are the file's and, when NOCTUARY_PAGERDUTY_WEBHOOK_SECRET
	// is set, the integration "default"; exactly one per environment.
	Integrations []noctuary.Integration
	// Services are the services declared in the file, with their actions.
	Services     []noctuary.Service
	IngestTokens []IngestToken
	Slack        Slack
	Gemini       Gemini
	Sources      Sources

	LLMTimeout        time.Duration
	ApprovalTTL       time.Duration
	CorrelationWindow time.Duration
	EventRetention    time.Duration
	TriageConcurrency int
	// LLMConcurrency bounds the LLM calls in flight per process.
	LLMConcurrency int
	// CorrelationMemoEvents bounds the events whose ranking facts a process
	// remembers across triages (about 1.3 KB each); 0 turns the memo off.
	CorrelationMemoEvents int
	// ClaimIdle is how long a webhook entry may stay pending (its worker
	// died) before another worker reclaims it.
	ClaimIdle time.Duration
	// ShutdownGrace bounds how long in-flight triages may finish on SIGTERM.
	ShutdownGrace time.Duration

	// File is the path of the file read, "" if none.
	File string

	// RedisMode is how RedisURL is read: "" or "standalone" (one Redis),
	// "cluster" (a Redis Cluster) or "sentinel" (a master watched by Redis
	// Sentinel, named by RedisSentinelMaster).
	RedisMode           string
	RedisSentinelMaster string
}

// IngestToken is a bearer token accepted by /v1/events.
type IngestToken struct {
	Token noctuary.Secret
	// Services the token may send events for; empty means every service.
	Services []string
}

// Slack holds the Slack app's credentials and the admins of slash commands.
type Slack struct {
	BotToken      noctuary.Secret
	SigningSecret noctuary.Secret
	AppToken      noctuary.Secret // set: Socket Mode
	APIURL        string          // with a trailing slash, as slack-go wants
	Admins        []string        // Slack user IDs
}

// Gemini configures the LLM hypothesis engine; a zero APIKey means the
// built-in heuristic engine writes every hypothesis.
type Gemini struct {
	APIKey  noctuary.Secret
	Model   string
	BaseURL string // "" means Google's
}

// Default returns the configuration used when nothing is set.
func Default() *Config {
	return &Config{
		Addr:               ":8080",
		PublicURL:          "http://localhost:8080",
		PagerDutyAPIURL:    "https://api.pagerduty.com",
		PagerDutyRateLimit: 960,
		IngestRateLimit:    1000,
		IngestBurst:        20000,
		Slack:              Slack{APIURL: "https://slack.com/api/"},
		Gemini:             Gemini{Model: "gemini-2.5-flash"},
		Sources: Sources{
			Alertmanager: AlertmanagerSource{ServiceLabel: "service"},
			Kubernetes:   KubernetesSource{ServiceLabel: "app.kubernetes.io/name"},
		},
		LLMTimeout:            10 * time.Second,
		ApprovalTTL:           30 * time.Minute,
		CorrelationWindow:     30 * time.Minute,
		EventRetention:        72 * time.Hour,
		TriageConcurrency:     4,
		LLMConcurrency:        8,
		CorrelationMemoEvents: 50_000, // agent.DefaultMemoEvents (TestMemoDefault)
		ClaimIdle:             90 * time.Second,
		ShutdownGrace:         20 * time.Second,
	}
}

// Load reads the configuration from the environment through lookup
// (os.LookupEnv in production) and from the file named by NOCTUARY_CONFIG,
// if set. The error joins one *noctuary.Error per problem.
func Load(lookup func(string) (string, bool)) (*Config, error) {
	path, _ := lookup("NOCTUARY_CONFIG")
	if path == "" {
		return Parse(nil, "", lookup)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, noctuary.Wrap(err, noctuary.EInvalid, "NOCTUARY_CONFIG: cannot read the configuration file")
	}
	return Parse(data, path, lookup)
}

// Parse is Load with the file's content given: data is the YAML file (nil for
// none) and name its path, used in messages and kept in Config.File.
func Parse(data []byte, name string, lookup func(string) (string, bool)) (*Config, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	l := &loader{cfg: Default(), file: name, lookup: lookup}
	if l.file == "" {
		l.file = "config"
	}
	raw, err := decode(data, l.file)
	if err != nil {
		return nil, err
	}
	l.cfg.File = name
	l.settings(raw.Settings)
	l.integrations(raw.Integrations)
	l.services(raw.Services)
	l.ingestTokens(raw.IngestTokens)
	l.slackAdmins(raw.Slack)
	l.sources(raw.Sources)
	if err := l.err(); err != nil {
		return nil, err
	}
	return l.cfg, nil
}

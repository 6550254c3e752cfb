package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// setting is one variable of docs/architecture.md, "Configuration": NOCTUARY_<NAME> in the environment,
// <name> under settings: in the file. apply stores a non-empty value and
// returns a problem sentence, "" when the value is valid.
type setting struct {
	name  string
	apply func(l *loader, v string) string
}

// maxLLMTimeout bounds NOCTUARY_LLM_TIMEOUT: the note is posted after the
// LLM answers or times out, and a triage holds its lock for two minutes.
const maxLLMTimeout = time.Minute

// minClaimIdle bounds NOCTUARY_CLAIM_IDLE from below: a running triage or
// Slack job renews its entry every third of it, and a renewal must fit in
// that third with room to spare.
const minClaimIdle = 3 * time.Second

var settingsTable = []setting{
	{"addr", check(addr, field(func(c *Config) *string { return &c.Addr }))},
	{"redis_url", check(redisURL, field(func(c *Config) *string { return &c.RedisURL }))},
	{"redis_mode", field(func(c *Config) *string { return &c.RedisMode })},
	{"redis_sentinel_master", field(func(c *Config) *string { return &c.RedisSentinelMaster })},
	{"public_url", check(httpURL, field(func(c *Config) *string { return &c.PublicURL }))},
	{"admin_token", secret(func(l *loader) *noctuary.Secret { return &l.cfg.AdminToken })},
	{"master_key", masterKey},
	{"pagerduty_api_url", check(httpURL, field(func(c *Config) *string { return &c.PagerDutyAPIURL }))},
	{"pagerduty_rate_limit", count(1, 100000, "requests per minute", " (PagerDuty allows 960 per key)", func(c *Config) *int { return &c.PagerDutyRateLimit })},
	{"pagerduty_burst", count(1, 100000, "requests", "", func(c *Config) *int { return &c.PagerDutyBurst })},
	{"ingest_rate_limit", count(0, 1000000, "events a second", " (0 turns the limit off)", func(c *Config) *int { return &c.IngestRateLimit })},
	{"ingest_burst", count(1, 10000000, "events", "", func(c *Config) *int { return &c.IngestBurst })},
	{"pagerduty_token", secret(func(l *loader) *noctuary.Secret { return &l.pdToken })},
	{"pagerduty_extra_tokens", func(l *loader, v string) string { l.pdExtraTokens = v; return "" }},
	{"pagerduty_webhook_secret", secret(func(l *loader) *noctuary.Secret { return &l.pdWebhookSecret })},
	{"pagerduty_from", func(l *loader, v string) string { l.pdFrom = v; return email(v) }},
	{"pagerduty_oauth_client_id", oauthField(func(o *rawOAuth) *text { return &o.ClientID })},
	{"pagerduty_oauth_client_secret", oauthField(func(o *rawOAuth) *text { return &o.ClientSecret })},
	{"pagerduty_oauth_region", oauthField(func(o *rawOAuth) *text { return &o.Region })},
	{"pagerduty_oauth_subdomain", oauthField(func(o *rawOAuth) *text { return &o.Subdomain })},
	{"pagerduty_oauth_token_url", oauthField(func(o *rawOAuth) *text { return &o.TokenURL })},
	{"slack_bot_token", secret(func(l *loader) *noctuary.Secret { return &l.cfg.Slack.BotToken })},
	{"slack_signing_secret", secret(func(l *loader) *noctuary.Secret { return &l.cfg.Slack.SigningSecret })},
	{"slack_app_token", secret(func(l *loader) *noctuary.Secret { return &l.cfg.Slack.AppToken })},
	{"slack_api_url", check(httpURL, field(func(c *Config) *string { return &c.Slack.APIURL }))},
	{"gemini_api_key", secret(func(l *loader) *noctuary.Secret { return &l.cfg.Gemini.APIKey })},
	{"gemini_model", field(func(c *Config) *string { return &c.Gemini.Model })},
	{"gemini_base_url", check(httpURL, field(func(c *Config) *string { return &c.Gemini.BaseURL }))},
	{"llm_timeout", duration(func(c *Config) *time.Duration { return &c.LLMTimeout })},
	{"ingest_tokens", func(l *loader, v string) string { l.envTokens = v; return "" }},
	{"triage_concurrency", count(1, 256, "triages", "", func(c *Config) *int { return &c.TriageConcurrency })},
	{"llm_concurrency", count(1, 256, "LLM calls", "", func(c *Config) *int { return &c.LLMConcurrency })},
	{"correlation_memo_events", count(0, 10_000_000, "events", " (0 turns the memo off)", func(c *Config) *int { return &c.CorrelationMemoEvents })},
	{"approval_ttl", duration(func(c *Config) *time.Duration { return &c.ApprovalTTL })},
	{"correlation_window", duration(func(c *Config) *time.Duration { return &c.CorrelationWindow })},
	{"event_retention", duration(func(c *Config) *time.Duration { return &c.EventRetention })},
	{"claim_idle", duration(func(c *Config) *time.Duration { return &c.ClaimIdle })},
	{"shutdown_grace", duration(func(c *Config) *time.Duration { return &c.ShutdownGrace })},
}

// settings applies each setting from the environment, or else from the
// file's settings: section, then builds what depends on several of them.
func (l *loader) settings(file map[string]text) {
	for _, s := range settingsTable {
		v, where, label := l.settingValue(s.name, file)
		if v == "" {
			continue
		}
		if p := s.apply(l, v); p != "" {
			l.add("%s: %s", label, p)
		}
		switch s.name {
		case "ingest_tokens":
			l.envTokensFrom = where
		case "pagerduty_extra_tokens":
			l.pdExtraFrom = label
		}
	}
	l.unknownSettings(file)
	l.redis(file)
	if l.cfg.LLMTimeout > maxLLMTimeout {
		l.add("NOCTUARY_LLM_TIMEOUT: %s is longer than %s: the note waits for the LLM, and a triage must finish within its lock; use e.g. 10s",
			l.cfg.LLMTimeout, maxLLMTimeout)
	}
	if l.cfg.ClaimIdle < minClaimIdle {
		l.add("NOCTUARY_CLAIM_IDLE: %s is shorter than %s: a running triage renews its entry every third of it, and a slow Redis round trip would let another replica take the entry; use e.g. 90s",
			l.cfg.ClaimIdle, minClaimIdle)
	}
	if l.cfg.EventRetention < l.cfg.CorrelationWindow {
		l.add("NOCTUARY_EVENT_RETENTION: %s is shorter than NOCTUARY_CORRELATION_WINDOW (%s): events would be gone before incidents look for them; keep at least the window",
			l.cfg.EventRetention, l.cfg.CorrelationWindow)
	}
	l.cfg.PagerDutyAPIURL = strings.TrimRight(l.cfg.PagerDutyAPIURL, "/")
	if !strings.HasSuffix(l.cfg.Slack.APIURL, "/") {
		l.cfg.Slack.APIURL += "/"
	}
	l.defaultIntegration()
}

// settingValue returns a setting's value from the environment, or else from
// the file, with where it comes from and the label of its problems.
func (l *loader) settingValue(name string, file map[string]text) (v, where, label string) {
	env := "NOCTUARY_" + strings.ToUpper(name)
	if v, _ := l.lookup(env); v != "" {
		return v, env, env
	}
	t := file[name]
	if t.Line == 0 {
		return "", "", ""
	}
	return l.str(t), l.where(t.Line), l.where(t.Line) + ": " + name
}

func (l *loader) unknownSettings(file map[string]text) {
	var unknown []string
	for name := range file {
		if !slices.ContainsFunc(settingsTable, func(s setting) bool { return s.name == name }) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		l.at(file[name].Line, "settings: unknown key %q; see the NOCTUARY_* variables in the README, in lower case without the prefix", name)
	}
}

func field(ptr func(*Config) *string) func(*loader, string) string {
	return func(l *loader, v string) string { *ptr(l.cfg) = v; return "" }
}

func secret(field func(*loader) *noctuary.Secret) func(*loader, string) string {
	return func(l *loader, v string) string { *field(l) = noctuary.Secret(v); return "" }
}

// check runs valid on the value before storing it with set.
func check(valid func(string) string, set func(*loader, string) string) func(*loader, string) string {
	return func(l *loader, v string) string {
		if p := valid(v); p != "" {
			return p
		}
		return set(l, v)
	}
}

func duration(field func(*Config) *time.Duration) func(*loader, string) string {
	return func(l *loader, v string) string {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Sprintf("%q is not a duration; use e.g. 10s, 30m or 72h", v)
		}
		if d <= 0 {
			return fmt.Sprintf("%q must be positive", v)
		}
		*field(l.cfg) = d
		return ""
	}
}

// count sets an int field from a number in [lo, hi]; unit says what it
// counts in the refusal, and hint (if any) follows it.
func count(lo, hi int, unit, hint string, field func(*Config) *int) func(*loader, string) string {
	return func(l *loader, v string) string {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Sprintf("%q is not a number of %s from %d to %d%s", v, unit, lo, hi, hint)
		}
		*field(l.cfg) = n
		return ""
	}
}

// masterKey never shows the value: it is a secret even when malformed.
func masterKey(l *loader, v string) string {
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return "must be 32 random bytes in base64 (the value is not shown); generate one with: openssl rand -base64 32"
	}
	l.cfg.MasterKey = k
	return ""
}

func addr(v string) string {
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("%q is not host:port; use e.g. :8080", v)
	}
	return ""
}

package noctuary

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on a ContextEvent's fields, enforced by Validate.
const (
	MaxEventIDLen        = 200
	MaxServiceKeyLen     = 100
	MaxKindLen           = 64
	MaxSourceLen         = 64
	MaxSummaryLen        = 1000
	MaxLinkLen           = 2048
	MaxAttributes        = 50
	MaxAttributeKeyLen   = 64
	MaxAttributeValueLen = 1024
	// MaxEventFuture is how far in the future occurred_at may be (clock skew).
	MaxEventFuture = 24 * time.Hour
)

// ContextEvent is something that happened around a service: a deploy, a
// deadlock, an OOMKill, a config change. Sources send them to /v1/events.
type ContextEvent struct {
	ID         string            `json:"id,omitempty"`
	Service    string            `json:"service"`
	Kind       string            `json:"kind"`
	Source     string            `json:"source"`
	OccurredAt time.Time         `json:"occurred_at"`
	Summary    string            `json:"summary,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Link       string            `json:"link,omitempty"`
}

// Validate checks the event against the ingest rules and returns an *Error
// with code EInvalid naming the first problem, or nil.
func (e *ContextEvent) Validate(now time.Time) error {
	if err := e.validateStrings(); err != nil {
		return err
	}
	if e.OccurredAt.IsZero() {
		return Errorf(EInvalid, "occurred_at is required (RFC 3339, e.g. 2026-11-23T02:10:41Z)")
	}
	if e.OccurredAt.After(now.Add(MaxEventFuture)) {
		return Errorf(EInvalid, "occurred_at %s is more than 24h in the future", e.OccurredAt.UTC().Format(time.RFC3339))
	}
	if len(e.Attributes) > MaxAttributes {
		return Errorf(EInvalid, "attributes has %d entries; at most %d are allowed", len(e.Attributes), MaxAttributes)
	}
	for k, v := range e.Attributes {
		if k == "" || len(k) > MaxAttributeKeyLen || !utf8.ValidString(k) {
			return Errorf(EInvalid, "attribute key %q must be 1-%d bytes of UTF-8", truncate(k, 40), MaxAttributeKeyLen)
		}
		if len(v) > MaxAttributeValueLen || !utf8.ValidString(v) {
			return Errorf(EInvalid, "attribute %q must be at most %d bytes of UTF-8", k, MaxAttributeValueLen)
		}
	}
	if e.Link != "" {
		u, err := url.Parse(e.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Errorf(EInvalid, "link must be an absolute http(s) URL")
		}
	}
	return nil
}

// CheckRetention returns an *Error with code EInvalid when the event
// occurred before now minus retention: it would be trimmed at once and never
// correlated, so it is refused rather than stored.
func (e *ContextEvent) CheckRetention(now time.Time, retention time.Duration) error {
	if e.OccurredAt.Before(now.Add(-retention)) {
		return Errorf(EInvalid, "occurred_at %s is more than %s in the past, beyond the event retention: it would never be correlated",
			e.OccurredAt.UTC().Format(time.RFC3339), shortDuration(retention))
	}
	return nil
}

// shortDuration formats d without trailing zero units: 72h, 1h30m, 45s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func (e *ContextEvent) validateStrings() error {
	fields := []struct {
		name, value string
		required    bool
		max         int
	}{
		{"service", e.Service, true, MaxServiceKeyLen},
		{"kind", e.Kind, true, MaxKindLen},
		{"source", e.Source, true, MaxSourceLen},
		{"id", e.ID, false, MaxEventIDLen},
		{"summary", e.Summary, false, MaxSummaryLen},
		{"link", e.Link, false, MaxLinkLen},
	}
	for _, f := range fields {
		if strings.TrimSpace(f.value) == "" {
			if f.required {
				return Errorf(EInvalid, "%s is required", f.name)
			}
			continue
		}
		if len(f.value) > f.max {
			return Errorf(EInvalid, "%s is %d bytes long; at most %d are allowed", f.name, len(f.value), f.max)
		}
		if !utf8.ValidString(f.value) {
			return Errorf(EInvalid, "%s is not valid UTF-8", f.name)
		}
	}
	if !ValidServiceKey(e.Service) {
		return Errorf(EInvalid, "service %q may hold only letters, digits, '.', '_' and '-'", truncate(e.Service, 40))
	}
	return nil
}

// ValidServiceKey reports whether s is a usable service key or PagerDuty
// service ID: 1 to 100 ASCII letters, digits, '.', '_' or '-'.
func ValidServiceKey(s string) bool {
	if s == "" || len(s) > MaxServiceKeyLen {
		return false
	}
	for _, r := range s {
		ok := r == '.' || r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…", s[:n])
}

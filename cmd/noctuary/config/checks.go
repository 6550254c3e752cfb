package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
)

var (
	varName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	paramName    = varName
	slackUser    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	slackSubject = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`) // a user or a user group
	slackChannel = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
)

// The checks below return a problem sentence, "" when the value is valid.
// URLs are not repeated in messages: they may hold credentials.

func httpURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http:// or https:// URL"
	}
	return ""
}

func redisURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return "must be a redis:// or rediss:// URL, e.g. redis://localhost:6379/0"
	}
	return ""
}

func email(v string) string {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return fmt.Sprintf("%q is not an email address; use the email of the PagerDuty user Noctuary acts as", v)
	}
	return ""
}

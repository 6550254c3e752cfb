package noctuary

import (
	"strconv"
	"strings"
	"time"
)

// OAuthApp is the client of a PagerDuty scoped OAuth app: Noctuary asks
// PagerDuty's identity service for an app token (client-credentials grant)
// with only the scopes it uses, instead of holding an account-wide REST API
// key.
type OAuthApp struct {
	ClientID     string `json:"client_id"`
	ClientSecret Secret `json:"client_secret"`
	// Region is the account's service region: "us" or "eu".
	Region string `json:"region"`
	// Subdomain is the account's subdomain (acme in acme.pagerduty.com).
	Subdomain string `json:"subdomain"`
	// TokenURL is the token endpoint; "" means PagerDuty's.
	TokenURL string `json:"token_url,omitempty"`
}

// AccountScope is the scope that names the account a token is for:
// "as_account-<region>.<subdomain>".
func (a OAuthApp) AccountScope() string { return "as_account-" + a.Region + "." + a.Subdomain }

// HasCredential reports whether the integration can call PagerDuty's REST
// API: it has an API key or a scoped OAuth app. Without one it runs in dry
// run (notes are logged and kept, not posted).
func (in Integration) HasCredential() bool { return !in.Token.IsZero() || in.OAuth != nil }

// Kinds of credential whose age is tracked (CredentialAge.Kind).
const (
	CredentialAPIKey        = "api_key"
	CredentialOAuthSecret   = "oauth_client_secret"
	CredentialWebhookSecret = "webhook_secret"
)

// CredentialReport is what an integration's PagerDuty credential may do, as
// found at start-up or on rotation.
type CredentialReport struct {
	// Kind is "oauth" (a scoped OAuth app) or "api_key" (a REST API key).
	Kind string `json:"kind"`
	// Keys is how many REST API keys were checked (the main one and any
	// extra ones), each with one request; 0 for an OAuth app.
	Keys int `json:"keys,omitempty"`
	// Scopes are the scopes PagerDuty granted the app's token.
	Scopes []string `json:"scopes,omitempty"`
	// Excess are granted scopes Noctuary does not use.
	Excess []string `json:"excess,omitempty"`
	// Missing are scopes Noctuary uses that were not granted.
	Missing []string `json:"missing,omitempty"`
	// Warning says, in a sentence, that the credential has more power than
	// Noctuary needs; "" when it has not.
	Warning string `json:"warning,omitempty"`
	// Error says why the credential could not be checked; "" when it was.
	Error     string    `json:"error,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// Summary is the report in one line: what the credential may do.
func (r CredentialReport) Summary() string {
	switch {
	case r.Error != "":
		return "not checked: " + r.Error
	case r.Kind == "oauth":
		s := "scoped OAuth app, granted " + strings.Join(r.Scopes, " ")
		if len(r.Missing) > 0 {
			s += "; missing " + strings.Join(r.Missing, " ")
		}
		return s
	}
	if r.Keys > 1 {
		return strconv.Itoa(r.Keys) + " REST API keys (each works)"
	}
	return "REST API key (works)"
}

// CredentialAge is the age of one secret of an integration: its PagerDuty
// API key, its OAuth client secret or its webhook signing secret.
type CredentialAge struct {
	Integration string `json:"integration"`
	Environment string `json:"environment"`
	// Kind is CredentialAPIKey, CredentialOAuthSecret or CredentialWebhookSecret.
	Kind string `json:"kind"`
	// Since is when the secret was set: rotated, or first seen by Noctuary.
	Since time.Time     `json:"since"`
	Age   time.Duration `json:"age"`
	// DueAt is when its rotation is due.
	DueAt time.Time `json:"due_at"`
}

// What names the secret's kind for people: "PagerDuty key", "OAuth client
// secret" or "webhook signing secret".
func (c CredentialAge) What() string {
	switch c.Kind {
	case CredentialAPIKey:
		return "PagerDuty key"
	case CredentialOAuthSecret:
		return "OAuth client secret"
	case CredentialWebhookSecret:
		return "webhook signing secret"
	}
	return strings.ReplaceAll(c.Kind, "_", " ")
}

// Due reports whether the secret's rotation is due at now.
func (c CredentialAge) Due(now time.Time) bool { return !now.Before(c.DueAt) }

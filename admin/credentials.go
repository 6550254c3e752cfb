package admin

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/noctuary/noctuary"
)

// CredentialReporter asks PagerDuty what an integration's credential may
// do (Main wires it to package pd).
type CredentialReporter interface {
	ReportCredential(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.CredentialReport, error)
}

// ReportCredential checks what the credential of integration id may do (an
// OAuth app's granted scopes; a REST API key's access), keeps the report for
// /noctuary keys and the review, and logs it: a warning when the
// credential has more power than Noctuary needs. An integration without a
// credential (dry run) has no report. A check PagerDuty refused or could not
// answer is kept as the report's Error.
func (a *Admin) ReportCredential(ctx context.Context, id string) (*noctuary.CredentialReport, error) {
	in, err := a.Integration(ctx, id)
	if err != nil {
		return nil, err
	}
	token, err := a.Token(ctx, id)
	if err != nil {
		return nil, err
	}
	if (in.OAuth == nil && token.IsZero()) || a.opt.Reporter == nil {
		return nil, nil
	}
	r, err := a.opt.Reporter.ReportCredential(ctx, in, token)
	if err != nil {
		r = noctuary.CredentialReport{Kind: credentialKind(in), Error: scrub(err, token).Error(), CheckedAt: a.opt.Now()}
		a.opt.Logger.Warn("the PagerDuty credential could not be checked", "integration", id, "kind", r.Kind, "error", r.Error)
	} else {
		log := a.opt.Logger.Info
		if r.Warning != "" {
			log = a.opt.Logger.Warn
		}
		log("PagerDuty credential", "integration", id, "kind", r.Kind, "scopes", r.Scopes, "missing", r.Missing, "warning", r.Warning)
	}
	return &r, a.opt.Store.SetCredentialReport(ctx, id, r)
}

func credentialKind(in noctuary.Integration) string {
	if in.OAuth != nil {
		return "oauth"
	}
	return "api_key"
}

// CredentialAges returns the age of every secret of every integration: its
// PagerDuty API key (since rotated, or first seen) or OAuth client secret,
// and its current webhook signing secret (each since first seen with its
// value: a changed secret starts again at 0).
func (a *Admin) CredentialAges(ctx context.Context) ([]noctuary.CredentialAge, error) {
	return a.credentialAges(ctx, a.opt.Now())
}

// credentialAges is CredentialAges as of now.
func (a *Admin) credentialAges(ctx context.Context, now time.Time) ([]noctuary.CredentialAge, error) {
	integs, err := a.opt.Store.Integrations(ctx)
	if err != nil {
		return nil, err
	}
	var out []noctuary.CredentialAge
	for _, listed := range integs {
		ages, err := a.integrationAges(ctx, listed.ID, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ages...)
	}
	return out, nil
}

// integrationAges returns the ages of integration id's secrets as of now.
func (a *Admin) integrationAges(ctx context.Context, id string, now time.Time) ([]noctuary.CredentialAge, error) {
	in, err := a.Integration(ctx, id)
	if err != nil {
		return nil, err
	}
	age := func(kind string, since noctuary.CredentialAge) noctuary.CredentialAge {
		since.Integration, since.Environment, since.Kind = in.ID, in.Environment, kind
		since.Age, since.DueAt = max(now.Sub(since.Since), 0), since.Since.Add(a.opt.RotationPeriod)
		return since
	}
	var out []noctuary.CredentialAge
	switch token, err := a.Token(ctx, id); {
	case err != nil:
		return nil, err
	case in.OAuth != nil:
		since, err := a.opt.Store.SecretSince(ctx, id, noctuary.CredentialOAuthSecret,
			fingerprint(in.OAuth.ClientID+"\x00"+in.OAuth.ClientSecret.Reveal()), now)
		if err != nil {
			return nil, err
		}
		out = append(out, age(noctuary.CredentialOAuthSecret, noctuary.CredentialAge{Since: since}))
	case !token.IsZero():
		rec, err := a.opt.Store.KeyRecord(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, age(noctuary.CredentialAPIKey, noctuary.CredentialAge{Since: cmp.Or(rec.RotatedAt, rec.FirstSeen)}))
	}
	if len(in.WebhookSecrets) > 0 {
		since, err := a.opt.Store.SecretSince(ctx, id, noctuary.CredentialWebhookSecret, fingerprint(in.WebhookSecrets[0].Reveal()), now)
		if err != nil {
			return nil, err
		}
		out = append(out, age(noctuary.CredentialWebhookSecret, noctuary.CredentialAge{Since: since}))
	}
	return out, nil
}

// fingerprint names a secret by a short hash, so that the store can tell
// a new secret from the old one without holding either.
func fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:12])
}

// withCredentials completes a key status with its integration's credential
// report and secret ages; an OAuth integration's age is its client secret's.
func (a *Admin) withCredentials(ctx context.Context, k *noctuary.KeyStatus) error {
	in, err := a.Integration(ctx, k.Integration)
	if err != nil {
		return err
	}
	if k.Credential, err = a.opt.Store.CredentialReport(ctx, k.Integration); err != nil {
		return err
	}
	if k.Secrets, err = a.integrationAges(ctx, k.Integration, a.opt.Now()); err != nil {
		return err
	}
	k.OAuth = in.OAuth != nil
	if i := slices.IndexFunc(k.Secrets, func(c noctuary.CredentialAge) bool { return c.Kind == noctuary.CredentialOAuthSecret }); i >= 0 {
		k.Age, k.DueAt, k.RotatedAt = k.Secrets[i].Age, k.Secrets[i].DueAt, k.Secrets[i].Since
	}
	return nil
}

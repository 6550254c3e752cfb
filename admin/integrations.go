package admin

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// Audit actions of integration changes (a PagerDuty key change is
// ActionKeyRotate).
const (
	ActionIntegrationCreate = "integration.create"
	ActionWebhookSecret     = "integration.webhook_secret"
)

// PreviousSecretGrace is how long a replaced webhook signing secret is
// still accepted: PagerDuty retries a delivery for up to 48 hours.
const PreviousSecretGrace = 48 * time.Hour

// ConnectionChecker asks PagerDuty what an integration's key may do (Main
// wires it to package pd).
type ConnectionChecker interface {
	CheckConnection(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.ConnectionCheck, error)
}

// integrationID is what an integration ID (a path segment of its webhook
// URL) and an environment may hold.
var integrationID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// CreateIntegration creates a PagerDuty integration for an environment that
// has none (bidirectional unless said otherwise). Its webhook secret and
// PagerDuty key are set next (SetWebhookSecret, SetToken); until a key is
// set, it writes nothing to PagerDuty (dry run).
func (a *Admin) CreateIntegration(ctx context.Context, actor string, spec noctuary.NewIntegration) (noctuary.Integration, error) {
	if spec.Direction == "" {
		spec.Direction = noctuary.DirectionBidirectional
	}
	in := noctuary.Integration{ID: spec.ID, Environment: spec.Environment, Direction: spec.Direction, From: spec.From, APIURL: spec.APIURL}
	err := validIntegration(in)
	if err == nil {
		err = a.opt.Store.CreateIntegration(ctx, noctuary.IntegrationRecord{Integration: in, CreatedAt: a.opt.Now()})
	}
	details := map[string]string{"integration": in.ID, "environment": in.Environment, "direction": string(in.Direction)}
	return in, a.audit(ctx, actor, ActionIntegrationCreate, "", details, err)
}

func validIntegration(in noctuary.Integration) error {
	switch {
	case !integrationID.MatchString(in.ID):
		return noctuary.Errorf(noctuary.EInvalid, "integration ID %q may hold only 1-63 lower-case letters, digits, '_' and '-' (it is part of the webhook URL)", in.ID)
	case !integrationID.MatchString(in.Environment):
		return noctuary.Errorf(noctuary.EInvalid, "environment %q may hold only 1-63 lower-case letters, digits, '_' and '-'", in.Environment)
	case !in.Direction.Valid():
		return noctuary.Errorf(noctuary.EInvalid, "direction %q is not known; use bidirectional or inbound", in.Direction)
	case in.From != "" && !strings.Contains(in.From, "@"):
		return noctuary.Errorf(noctuary.EInvalid, "from %q is not an email; PagerDuty writes notes as the user with that email", in.From)
	}
	if in.APIURL != "" {
		u, err := url.Parse(in.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return noctuary.Errorf(noctuary.EInvalid, "api_url %q is not an http(s) URL such as https://api.eu.pagerduty.com", in.APIURL)
		}
	}
	return nil
}

// SetWebhookSecret sets the signing secret that PagerDuty showed once for
// the integration's webhook subscription, stored encrypted; the one it
// replaces stays accepted for PreviousSecretGrace. The configuration
// file's integrations take theirs from the file. Audited, never the secret.
func (a *Admin) SetWebhookSecret(ctx context.Context, actor, id string, secret noctuary.Secret) error {
	err := a.setWebhookSecret(ctx, id, secret)
	return a.audit(ctx, actor, ActionWebhookSecret, "", map[string]string{"integration": id}, err)
}

func (a *Admin) setWebhookSecret(ctx context.Context, id string, secret noctuary.Secret) error {
	if n := len(strings.TrimSpace(secret.Reveal())); n == 0 || n > 512 {
		return noctuary.Errorf(noctuary.EInvalid, "the webhook secret must hold 1 to 512 characters, as PagerDuty shows it")
	}
	if err := a.live(ctx, id); err != nil {
		return err
	}
	if len(a.opt.MasterKey) == 0 {
		return noctuary.Errorf(noctuary.EInvalid, "storing a webhook secret needs NOCTUARY_MASTER_KEY (32 random bytes, base64) to keep it encrypted")
	}
	sealed, err := seal(a.opt.MasterKey, webhookAAD(id), secret)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "NOCTUARY_MASTER_KEY must be 32 bytes (base64-encoded)")
	}
	_, err = a.opt.Store.UpdateIntegrationRecord(ctx, id, func(r *noctuary.IntegrationRecord) error {
		r.PreviousWebhookSecret, r.PreviousUntil = r.WebhookSecret, a.opt.Now().Add(PreviousSecretGrace)
		r.WebhookSecret = sealed
		return nil
	})
	return err
}

// webhookAAD binds a sealed webhook secret to its integration, apart from
// its PagerDuty key (IDs hold no ':').
func webhookAAD(id string) string { return "webhook:" + id }

// live refuses an integration that is not a live one: unknown, or declared
// in the configuration file (whose secrets come from the file).
func (a *Admin) live(ctx context.Context, id string) error {
	_, err := a.opt.Store.IntegrationRecord(ctx, id)
	if noctuary.ErrorCode(err) != noctuary.ENotFound {
		return err
	}
	if _, cerr := a.opt.Store.Integration(ctx, id); cerr == nil {
		return noctuary.Errorf(noctuary.EInvalid, "integration %s is declared in the configuration file; its webhook secret is set there", id)
	}
	return noctuary.Errorf(noctuary.ENotFound, "integration %q is not known", id)
}

// SetToken sets (or rotates) the integration's PagerDuty key: RotateKey for
// its environment, which checks the key with PagerDuty first.
func (a *Admin) SetToken(ctx context.Context, actor, id string, token noctuary.Secret) error {
	in, err := a.opt.Store.Integration(ctx, id)
	if err != nil {
		return a.audit(ctx, actor, ActionKeyRotate, "", map[string]string{"integration": id}, err)
	}
	return a.RotateKey(ctx, actor, in.Environment, token)
}

// Integration returns integration id with its secrets in clear: a live
// one's webhook secrets opened (the previous one while in its grace), its
// key as Token gives it. The webhook ingress and the PagerDuty clients
// read integrations through it.
func (a *Admin) Integration(ctx context.Context, id string) (noctuary.Integration, error) {
	rec, err := a.opt.Store.IntegrationRecord(ctx, id)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return a.opt.Store.Integration(ctx, id)
	}
	if err != nil {
		return rec.Integration, err
	}
	in := rec.Integration
	for i, sealed := range [][]byte{rec.WebhookSecret, rec.PreviousWebhookSecret} {
		if sealed == nil || i == 1 && !a.opt.Now().Before(rec.PreviousUntil) {
			continue
		}
		secret, err := a.openSecret(webhookAAD(id), sealed, "webhook secret of integration "+id)
		if err != nil {
			return in, err
		}
		in.WebhookSecrets = append(in.WebhookSecrets, secret)
	}
	return in, nil
}

// CheckConnection asks PagerDuty, with the key the integration uses now,
// whether it can view incidents and (as far as can be known without
// writing) create notes.
func (a *Admin) CheckConnection(ctx context.Context, id string) (noctuary.ConnectionCheck, error) {
	in, err := a.opt.Store.Integration(ctx, id)
	if err != nil {
		return noctuary.ConnectionCheck{}, err
	}
	token, err := a.Token(ctx, id)
	switch {
	case err != nil:
		return noctuary.ConnectionCheck{}, err
	case token.IsZero():
		return noctuary.ConnectionCheck{Problems: []string{"No PagerDuty key is set: set one (PUT …/token) and check again."}}, nil
	case a.opt.Connections == nil:
		return noctuary.ConnectionCheck{}, noctuary.Errorf(noctuary.EInvalid, "checking a connection needs a PagerDuty client; none is configured")
	}
	check, err := a.opt.Connections.CheckConnection(ctx, in, token)
	if err != nil {
		return check, noctuary.Wrap(scrub(err, token), noctuary.ErrorCode(err), noctuary.ErrorMessage(err))
	}
	return check, nil
}

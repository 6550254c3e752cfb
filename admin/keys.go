package admin

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/noctuary/noctuary"
)

// Audit actions of key changes.
const (
	ActionKeyRotate  = "key.rotate"
	ActionKeyConfirm = "key.confirm"
)

// Keys returns the key status of every integration, by environment.
func (a *Admin) Keys(ctx context.Context) ([]noctuary.KeyStatus, error) {
	integs, err := a.opt.Store.Integrations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]noctuary.KeyStatus, 0, len(integs))
	now := a.opt.Now()
	for _, in := range integs {
		rec, err := a.opt.Store.KeyRecord(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		since := rec.FirstSeen
		if !rec.RotatedAt.IsZero() {
			since = rec.RotatedAt
		}
		k := noctuary.KeyStatus{
			Environment: in.Environment, Integration: in.ID, Age: max(now.Sub(since), 0),
			RotatedAt: rec.RotatedAt, DueAt: since.Add(a.opt.RotationPeriod), Pending: rec.Pending,
		}
		if err := a.withCredentials(ctx, &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(x, y noctuary.KeyStatus) int { return cmp.Compare(x.Environment, y.Environment) })
	return out, nil
}

// RotateKey replaces the PagerDuty key of environment by newToken, once
// PagerDuty has accepted it. The key is stored encrypted with the master
// key; the previous one stays available (Tokens) until the new one
// has worked once (ConfirmToken). The rotation is audited, never the key.
func (a *Admin) RotateKey(ctx context.Context, actor, environment string, newToken noctuary.Secret) error {
	details := map[string]string{"environment": environment}
	return a.audit(ctx, actor, ActionKeyRotate, "", details, a.rotate(ctx, environment, newToken, details))
}

func (a *Admin) rotate(ctx context.Context, environment string, token noctuary.Secret, details map[string]string) error {
	if len(a.opt.MasterKey) == 0 {
		return noctuary.Errorf(noctuary.EInvalid, "key rotation needs NOCTUARY_MASTER_KEY (32 random bytes, base64) to store keys encrypted")
	}
	if strings.TrimSpace(token.Reveal()) == "" {
		return noctuary.Errorf(noctuary.EInvalid, "the new PagerDuty key is empty")
	}
	if a.opt.Checker == nil {
		return noctuary.Errorf(noctuary.EInvalid, "key rotation needs a PagerDuty key checker; none is configured")
	}
	in, err := a.opt.Store.IntegrationForEnvironment(ctx, environment)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return noctuary.Errorf(noctuary.ENotFound, "no PagerDuty integration is configured for environment %q", environment)
	}
	if err != nil {
		return err
	}
	details["integration"] = in.ID
	if in.OAuth != nil {
		return noctuary.Errorf(noctuary.EInvalid, "integration %s calls PagerDuty with a scoped OAuth app, not a key: "+
			"rotate the app's client secret in PagerDuty (App Registration) and in the configuration file, then restart", in.ID)
	}
	if err := a.opt.Checker.CheckKey(ctx, in, token); noctuary.ErrorCode(err) == noctuary.EUnavailable {
		return noctuary.Wrap(scrub(err, token), noctuary.EUnavailable, "PagerDuty did not answer the check of the new key for environment "+
			environment+" (unreachable, failing or rate limited); the current key stays in use.")
	} else if err != nil {
		return noctuary.Wrap(scrub(err, token), noctuary.EInvalid,
			"PagerDuty did not accept the new key for environment "+environment+"; the current key stays in use")
	}
	sealed, err := seal(a.opt.MasterKey, in.ID, token)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "NOCTUARY_MASTER_KEY must be 32 bytes (base64-encoded)")
	}
	if _, err = a.opt.Store.RotateKey(ctx, in.ID, sealed); err != nil {
		return err
	}
	if _, err := a.ReportCredential(ctx, in.ID); err != nil {
		a.opt.Logger.Warn("the rotated PagerDuty key's report could not be kept", "integration", in.ID, "error", err)
	}
	return nil
}

// scrub returns err's text with token masked, should a checker echo it.
func scrub(err error, token noctuary.Secret) error {
	return errors.New(strings.ReplaceAll(err.Error(), token.Reveal(), "[redacted]"))
}

// Token returns the PagerDuty key that integration integrationID should use
// now: the rotated one if any, else the configured one.
func (a *Admin) Token(ctx context.Context, integrationID string) (noctuary.Secret, error) {
	current, _, _, err := a.Tokens(ctx, integrationID)
	return current, err
}

// Tokens returns, from one read of the key record, the key Token returns
// and, while a rotation awaits its confirmation (pending: the rotated key
// has not worked yet), the key used before it, so that a caller whose call
// PagerDuty refused with the rotated key can retry with the previous one.
func (a *Admin) Tokens(ctx context.Context, integrationID string) (current, previous noctuary.Secret, pending bool, err error) {
	in, rec, err := a.keyRecord(ctx, integrationID)
	if err != nil || rec.Current == nil {
		return in.Token, "", false, err
	}
	if current, err = a.open(integrationID, rec.Current); err != nil || !rec.Pending {
		return current, "", false, err
	}
	previous = in.Token
	if rec.Previous != nil {
		previous, err = a.open(integrationID, rec.Previous)
	}
	return current, previous, err == nil, err
}

// ConfirmToken records that used, the key Tokens returned as pending, has
// worked; the previous key is then forgotten. Call it after a successful
// PagerDuty call with that key. A rotation made since (another key now
// current) is not confirmed: it reads the key record once more and costs
// one more Redis round trip, and audits only an actual confirmation.
func (a *Admin) ConfirmToken(ctx context.Context, integrationID string, used noctuary.Secret) error {
	_, rec, err := a.keyRecord(ctx, integrationID)
	if err != nil || !rec.Pending || rec.Current == nil {
		return err
	}
	if current, err := a.open(integrationID, rec.Current); err != nil || current != used {
		return err
	}
	confirmed, err := a.opt.Store.ConfirmKey(ctx, integrationID, rec.Current)
	if err != nil || !confirmed {
		return err
	}
	return a.audit(ctx, actorNoctuary, ActionKeyConfirm, "", map[string]string{"integration": integrationID}, nil)
}

func (a *Admin) keyRecord(ctx context.Context, integrationID string) (noctuary.Integration, noctuary.KeyRecord, error) {
	in, err := a.opt.Store.Integration(ctx, integrationID)
	if err != nil {
		return in, noctuary.KeyRecord{}, err
	}
	rec, err := a.opt.Store.KeyRecord(ctx, integrationID)
	return in, rec, err
}

func (a *Admin) open(integrationID string, sealed []byte) (noctuary.Secret, error) {
	return a.openSecret(integrationID, sealed, "rotated PagerDuty key of integration "+integrationID)
}

// openSecret decrypts a secret sealed for binding (see seal); what names it
// in the refusal.
func (a *Admin) openSecret(binding string, sealed []byte, what string) (noctuary.Secret, error) {
	if len(a.opt.MasterKey) == 0 {
		return "", noctuary.Errorf(noctuary.EInvalid, "the %s is stored encrypted, but NOCTUARY_MASTER_KEY is not set", what)
	}
	tok, err := open(a.opt.MasterKey, binding, sealed)
	if err != nil {
		return "", noctuary.Wrap(err, noctuary.EInvalid, "the "+what+" cannot be decrypted; is NOCTUARY_MASTER_KEY the key it was stored with?")
	}
	return tok, nil
}

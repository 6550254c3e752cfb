package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// ReminderEvery is how often the reminder of a secret due for rotation is
// repeated until it is rotated.
const ReminderEvery = 7 * 24 * time.Hour

// ActionRotationReminder audits a rotation reminder sent to the admins.
const ActionRotationReminder = "credential.reminder"

// DirectMessenger sends a Slack direct message durably (the bot's job
// queue; Main wires it).
type DirectMessenger interface {
	DirectMessage(ctx context.Context, userID, text string) error
}

// RemindRotations reminds the admins, by direct message, of every secret
// whose rotation is due: once a week per secret until it is rotated,
// counted from its due date by the admin's clock, and once across replicas
// (a mark in Redis per secret and week). Without dm or admins the reminder
// is logged instead. It returns the secrets reminded of.
func (a *Admin) RemindRotations(ctx context.Context, admins []string, dm DirectMessenger) ([]noctuary.CredentialAge, error) {
	now := a.opt.Now() // one reading: a reminder's week and the age it states agree
	ages, err := a.credentialAges(ctx, now)
	if err != nil {
		return nil, err
	}
	var sent []noctuary.CredentialAge
	var errs []error
	for _, c := range ages {
		if !c.Due(now) {
			continue
		}
		week := int64(now.Sub(c.DueAt) / ReminderEvery)
		key := fmt.Sprintf("%s:%s:%d:%d", c.Integration, c.Kind, c.Since.UnixMilli(), week)
		if ok, err := a.opt.Store.ClaimReminder(ctx, key, ReminderEvery+24*time.Hour); err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		if err := a.remind(ctx, c, now, admins, dm); err != nil {
			errs = append(errs, err, a.opt.Store.ReleaseReminder(ctx, key))
			continue
		}
		sent = append(sent, c)
	}
	return sent, errors.Join(errs...)
}

// remind sends one secret's reminder to every admin; it fails only when
// none could be queued, so that a retry never repeats one that was.
func (a *Admin) remind(ctx context.Context, c noctuary.CredentialAge, now time.Time, admins []string, dm DirectMessenger) error {
	text := ReminderText(c, now)
	details := map[string]string{"integration": c.Integration, "kind": c.Kind, "age_days": fmt.Sprint(int(c.Age.Hours() / 24))}
	if dm == nil || len(admins) == 0 {
		a.opt.Logger.Warn("a secret is due for rotation, and no Slack admin (slack: admins:) can be reminded",
			"integration", c.Integration, "kind", c.Kind, "age", c.Age.Round(time.Hour))
		return a.audit(ctx, actorNoctuary, ActionRotationReminder, "", details, nil)
	}
	var failed []string
	var lastErr error
	for _, u := range admins {
		if err := dm.DirectMessage(ctx, u, text); err != nil {
			failed, lastErr = append(failed, u), err
		}
	}
	if len(failed) == len(admins) {
		return lastErr
	}
	if len(failed) > 0 {
		a.opt.Logger.Warn("a rotation reminder reached only some admins", "integration", c.Integration, "kind", c.Kind,
			"failed", failed, "error", lastErr)
	}
	details["admins"] = strings.Join(admins, " ")
	return a.audit(ctx, actorNoctuary, ActionRotationReminder, "", details, nil)
}

// kindNames say what each kind of secret is and how to rotate it.
var kindNames = map[string]struct{ what, how string }{
	noctuary.CredentialAPIKey:        {"PagerDuty REST API key", "create a new key in PagerDuty, then `/noctuary rotate %s`"},
	noctuary.CredentialOAuthSecret:   {"PagerDuty OAuth client secret", "make a new client secret in PagerDuty's App Registration, then set it in the configuration (oauth: client_secret) of environment %s"},
	noctuary.CredentialWebhookSecret: {"PagerDuty webhook signing secret", "recreate the webhook subscription in PagerDuty, then set its new secret for environment %s"},
}

// ReminderText is the reminder of one secret due for rotation.
func ReminderText(c noctuary.CredentialAge, now time.Time) string {
	k := kindNames[c.Kind]
	return fmt.Sprintf(":key: The %s of integration `%s` (environment `%s`) is %d days old: its rotation was due %s. To rotate it, %s. "+
		"This reminder repeats weekly until it is rotated.", k.what, c.Integration, c.Environment, int(c.Age.Hours()/24),
		c.DueAt.UTC().Format(time.DateOnly), fmt.Sprintf(k.how, c.Environment))
}

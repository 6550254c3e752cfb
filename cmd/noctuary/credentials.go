package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

// Credential checks: each integration's credential is reported at start-up
// (reportTimeout each); every reminderEvery the secrets' ages are measured
// and the admins reminded of those due for rotation.
const (
	reportTimeout = 30 * time.Second
	reminderEvery = time.Hour
)

// ReportCredential says what an integration's credential may do (admin.CredentialReporter).
func (p *pagerDuty) ReportCredential(ctx context.Context, integ noctuary.Integration, token noctuary.Secret) (noctuary.CredentialReport, error) {
	c, err := p.client(integ, token)
	if err != nil {
		return noctuary.CredentialReport{}, err
	}
	return c.Report(ctx, p.now())
}

// credentialWatch reports the credentials at start-up, then keeps their
// ages in a gauge and reminds the admins of those due.
type credentialWatch struct {
	adm    *admin.Admin
	admins []string
	dm     admin.DirectMessenger // nil without Slack
	ages   *prometheus.GaugeVec
	every  time.Duration
	log    interface{ Warn(string, ...any) }
}

func newCredentialWatch(reg prometheus.Registerer, adm *admin.Admin, admins []string, dm admin.DirectMessenger, every time.Duration, log interface{ Warn(string, ...any) }) *credentialWatch {
	ages := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "noctuary_credential_age_seconds",
		Help: "Age of each integration's secrets (api_key, oauth_client_secret, webhook_secret); rotation is due at 90 days.",
	}, []string{"integration", "kind"})
	reg.MustRegister(ages)
	return &credentialWatch{adm: adm, admins: admins, dm: dm, ages: ages, every: every, log: log}
}

// run reports every integration's credential, closes reported, then
// measures and reminds every w.every until ctx ends.
func (w *credentialWatch) run(ctx context.Context, integrations func(context.Context) ([]noctuary.Integration, error), reported chan struct{}) error {
	if integs, err := integrations(ctx); err != nil {
		w.log.Warn("cannot list the integrations to report their credentials", "error", err)
	} else {
		for _, in := range integs {
			rctx, cancel := context.WithTimeout(ctx, reportTimeout)
			if _, err := w.adm.ReportCredential(rctx, in.ID); err != nil && ctx.Err() == nil {
				w.log.Warn("cannot keep the PagerDuty credential's report", "integration", in.ID, "error", err)
			}
			cancel()
		}
	}
	close(reported)
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		w.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// round sets the age gauge and sends the reminders due.
func (w *credentialWatch) round(ctx context.Context) {
	ages, err := w.adm.CredentialAges(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("cannot measure the credentials' ages", "error", err)
		}
		return
	}
	w.ages.Reset()
	for _, c := range ages {
		w.ages.WithLabelValues(c.Integration, c.Kind).Set(c.Age.Seconds())
	}
	if _, err := w.adm.RemindRotations(ctx, w.admins, w.dm); err != nil && ctx.Err() == nil {
		w.log.Warn("rotation reminders failed; the next round retries", "error", err)
	}
}

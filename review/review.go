// Package review builds the rollout review: the configuration file
// (intended) against the live settings (Redis) against PagerDuty (webhook
// subscriptions, keys), every drift named, then what each service did over
// the period (incidents, precision, actions, time to acknowledge). Slack
// (/noctuary review), the admin API (GET /api/v1/review) and the command
// line (noctuary review) all show this one review.
package review

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// DefaultPeriod is the span a review covers: a quarter.
const DefaultPeriod = 90 * 24 * time.Hour

// Store is what the review reads of the live state.
type Store interface {
	Services(ctx context.Context) ([]noctuary.Service, error)
	Integrations(ctx context.Context) ([]noctuary.Integration, error)
	FeedbackPrecision(ctx context.Context, service string) ([]noctuary.WindowPrecision, error)
	AuditScan(ctx context.Context, q noctuary.AuditQuery, fn func(noctuary.AuditEntry) error) error
	RolloutRecords(ctx context.Context, since time.Time) ([]noctuary.RolloutRecord, error)
}

// Keys gives the age of each integration's PagerDuty credential and
// secrets (admin.Admin).
type Keys interface {
	Keys(ctx context.Context) ([]noctuary.KeyStatus, error)
}

// PagerDuty reads an integration's PagerDuty account with its current key.
type PagerDuty interface {
	WebhookSubscriptions(ctx context.Context, integrationID string) ([]noctuary.WebhookSubscription, error)
	// Credential checks the integration's credential with one cheap read
	// and says what it may do; a credential PagerDuty refuses is an error.
	Credential(ctx context.Context, integrationID string) (noctuary.CredentialReport, error)
}

// Options configures a Builder.
type Options struct {
	// Declared are the configuration file's services.
	Declared  []noctuary.Service
	Store     Store
	Keys      Keys
	PagerDuty PagerDuty
	// Period is the span covered (default DefaultPeriod).
	Period time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// Builder builds reviews.
type Builder struct{ opt Options }

// New returns a Builder.
func New(opt Options) *Builder {
	opt.Period = cmp.Or(opt.Period, DefaultPeriod)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Builder{opt: opt}
}

// Review builds the review now. Only the store failing is an error:
// what PagerDuty does not answer is a finding.
func (b *Builder) Review(ctx context.Context) (noctuary.Review, error) {
	now := b.opt.Now().UTC()
	// Empty lists, not null, in JSON.
	r := noctuary.Review{GeneratedAt: now, Since: now.Add(-b.opt.Period), Findings: []noctuary.Finding{}, Settings: []noctuary.Drift{},
		Subscriptions: []noctuary.SubscriptionCheck{}, Keys: []noctuary.KeyCheck{}, Services: []noctuary.ServiceReview{}}
	live, err := b.opt.Store.Services(ctx)
	if err != nil {
		return r, err
	}
	integs, err := b.opt.Store.Integrations(ctx)
	if err != nil {
		return r, err
	}
	b.settings(&r, live)
	b.subscriptions(ctx, &r, live, integs)
	if err := b.keys(ctx, &r); err != nil {
		return r, err
	}
	if err := b.activity(ctx, &r, live); err != nil {
		return r, err
	}
	slices.SortStableFunc(r.Findings, func(x, y noctuary.Finding) int {
		return cmp.Or(strings.Compare(x.Category, y.Category), strings.Compare(x.Subject, y.Subject))
	})
	return r, nil
}

// finding adds a named drift to r.
func finding(r *noctuary.Review, category, subject, format string, args ...any) {
	r.Findings = append(r.Findings, noctuary.Finding{Category: category, Subject: subject, Text: fmt.Sprintf(format, args...)})
}

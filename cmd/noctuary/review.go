package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
	"github.com/noctuary/noctuary/cmd/noctuary/config"
	"github.com/noctuary/noctuary/pd"
	"github.com/noctuary/noctuary/review"
	"github.com/noctuary/noctuary/store"
)

// newPagerAdmin wires the PagerDuty clients and the admin operations over s:
// the clients use the admin's (rotated) keys, the admin checks a new key
// with a PagerDuty client, and live is the store with the live
// integrations' secrets opened by the admin.
func newPagerAdmin(cfg *config.Config, s *store.Store, logger *slog.Logger, metrics *pd.Metrics, now func() time.Time) (*pagerDuty, *admin.Admin, liveStore) {
	pager := &pagerDuty{store: s, limiter: s, budget: cfg.PagerDutyRateLimit, burst: cfg.PagerDutyBurst, logger: logger, metrics: metrics, now: now}
	adm := admin.New(admin.Options{Store: s, Checker: pager, Connections: pager, MasterKey: cfg.MasterKey, Logger: logger, Now: now, Reporter: pager})
	pager.keys = adm
	live := liveStore{Store: s, adm: adm}
	pager.store = live
	return pager, adm, live
}

// newReview builds the rollout review of the configuration file against the
// live state and PagerDuty: one builder for Slack, the admin API and the
// command line.
func newReview(cfg *config.Config, now func() time.Time, s review.Store, keys review.Keys, pager *pagerDuty) *review.Builder {
	return review.New(review.Options{Declared: cfg.Services, Store: s, Keys: keys, PagerDuty: pager, Now: now})
}

// WebhookSubscriptions lists the webhook subscriptions the integration's
// credential may read (the rollout review).
func (p *pagerDuty) WebhookSubscriptions(ctx context.Context, integrationID string) ([]noctuary.WebhookSubscription, error) {
	var subs []noctuary.WebhookSubscription
	err := p.do(ctx, integrationID, func(c *pd.Client) (err error) {
		subs, err = c.WebhookSubscriptions(ctx)
		return err
	})
	return subs, err
}

// Credential checks the integration's current credential and says what it
// may do (the rollout review).
func (p *pagerDuty) Credential(ctx context.Context, integrationID string) (noctuary.CredentialReport, error) {
	var rep noctuary.CredentialReport
	err := p.do(ctx, integrationID, func(c *pd.Client) (err error) {
		rep, err = c.Report(ctx, p.now())
		return err
	})
	return rep, err
}

const reviewUsage = `usage: noctuary review [--format markdown|json]

  print the rollout review: every drift between the configuration file, the
  live settings (NOCTUARY_REDIS_URL) and PagerDuty, then each service's
  figures over the last 90 days. Drift is reported, not an error: the exit
  status is 0 unless the review could not be built (1) or the command or
  configuration is invalid (2).
`

// reviewCommand is `noctuary review`, for a quarterly job.
func reviewCommand(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("noctuary review", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "markdown", "")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, reviewUsage)
		return 0
	case err == nil && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case err == nil && *format != "markdown" && *format != "json":
		err = fmt.Errorf("--format %q is not a format; use markdown or json", *format)
	}
	if err != nil {
		fmt.Fprintf(stderr, "noctuary review: %v (see noctuary review --help)\n", err)
		return exitUsage
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary: invalid configuration:\n%s\n", indent(err))
		return exitInvalidConfig
	}
	err = printReview(ctx, cfg, newLogger(stderr), *format, stdout)
	var incomplete *incompleteError
	switch {
	case errors.As(err, &incomplete):
		return incomplete.report(stderr)
	case err != nil:
		fmt.Fprintf(stderr, "noctuary review: %v\n", err)
		return 1
	}
	return 0
}

func printReview(ctx context.Context, cfg *config.Config, logger *slog.Logger, format string, out io.Writer) error {
	s, err := openRedis(ctx, cfg, logger, "review", true)
	if err != nil {
		return err
	}
	defer s.Close()
	pager, adm, live := newPagerAdmin(cfg, s, logger, pd.NewMetrics(nil), time.Now)
	b := newReview(cfg, time.Now, live, adm, pager)
	r, err := b.Review(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	_, err = io.WriteString(out, b.Markdown(r))
	return err
}

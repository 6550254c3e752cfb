package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
)

// settings names each live setting that differs from the file, each
// service only one side has, each enabled service nothing pages, and each
// service in action mode that nobody may approve for.
func (b *Builder) settings(r *noctuary.Review, live []noctuary.Service) {
	byKey := map[string]noctuary.Service{}
	for _, s := range live {
		byKey[s.Key] = s
	}
	declared := map[string]bool{}
	for _, d := range b.opt.Declared {
		declared[d.Key] = true
		l, ok := byKey[d.Key]
		if !ok {
			finding(r, noctuary.FindingService, d.Key, "%s is in the configuration file but not live (the next start-up or noctuary config apply creates it)", d.Key)
			continue
		}
		for _, dr := range noctuary.SettingsDrift(d, l) {
			r.Settings = append(r.Settings, dr)
			finding(r, noctuary.FindingSettings, d.Key, "%s %s: the file says %s, live is %s (%s wins at start-up)",
				d.Key, dr.Field, quoted(dr.File), quoted(dr.Live), dr.Wins)
		}
	}
	for _, l := range live {
		if !declared[l.Key] {
			finding(r, noctuary.FindingService, l.Key, "%s is live but not in the configuration file (created in Slack or the admin API); declare it to review it in git", l.Key)
		}
		if l.Enabled && len(l.PagerDutyServiceIDs) == 0 {
			finding(r, noctuary.FindingService, l.Key, "%s is enabled but names no PagerDuty service: no incident reaches it", l.Key)
		}
		if l.Mode == noctuary.ModeAction && len(l.Approvers) == 0 && !l.ApproveOncall {
			finding(r, noctuary.FindingApprovers, l.Key, "%s is in action mode with no approvers and approve_oncall off: nobody may approve its destructive actions", l.Key)
		}
	}
}

func quoted(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// subscriptions checks that an enabled PagerDuty webhook subscription
// delivers each PagerDuty service of each enabled service to Noctuary.
func (b *Builder) subscriptions(ctx context.Context, r *noctuary.Review, live []noctuary.Service, integs []noctuary.Integration) {
	ids := make([]string, len(integs))
	for i, in := range integs {
		ids[i] = in.ID
	}
	listed := map[string][]noctuary.WebhookSubscription{}
	failed := map[string]error{}
	for _, svc := range live {
		if !svc.Enabled {
			continue
		}
		i := slices.IndexFunc(integs, func(in noctuary.Integration) bool { return in.Environment == svc.Environment })
		if i < 0 {
			finding(r, noctuary.FindingService, svc.Key, "%s is enabled but its environment %q has no integration", svc.Key, svc.Environment)
			continue
		}
		in := integs[i].ID
		if _, done := listed[in]; !done && failed[in] == nil {
			subs, err := b.opt.PagerDuty.WebhookSubscriptions(ctx, in)
			listed[in], failed[in] = subs, err
			if err != nil {
				finding(r, noctuary.FindingUnchecked, in, "the webhook subscriptions of integration %s could not be listed: %s", in, noctuary.ErrorMessage(err))
			}
		}
		for _, pdID := range svc.PagerDutyServiceIDs {
			c := noctuary.SubscriptionCheck{Service: svc.Key, PagerDutyServiceID: pdID, Integration: in, Status: "unchecked"}
			if failed[in] == nil {
				c.Status, c.Subscription = cover(listed[in], pdID, ids)
				describeCover(r, c)
			}
			r.Subscriptions = append(r.Subscriptions, c)
		}
	}
}

// cover finds the subscription delivering pdID's incidents to one of
// Noctuary's webhook URLs: an enabled one if any.
func cover(subs []noctuary.WebhookSubscription, pdID string, integrations []string) (status, id string) {
	status = "missing"
	for _, s := range subs {
		if !covers(s, pdID) || !slices.ContainsFunc(integrations, func(in string) bool {
			return strings.HasSuffix(strings.TrimRight(s.URL, "/"), "/webhooks/pagerduty/"+in)
		}) {
			continue
		}
		switch {
		case s.Active && !s.TemporarilyDisabled:
			return "ok", s.ID
		case !s.Active:
			status, id = "disabled", s.ID
		case status != "disabled":
			status, id = "temporarily_disabled", s.ID
		}
	}
	return status, id
}

// covers reports whether s delivers the incidents of PagerDuty service
// pdID; a team's subscription is taken to cover it (the review does not
// read teams).
func covers(s noctuary.WebhookSubscription, pdID string) bool {
	switch s.FilterType {
	case "account_reference", "team_reference":
		return true
	case "service_reference":
		return s.FilterID == pdID
	}
	return false
}

func describeCover(r *noctuary.Review, c noctuary.SubscriptionCheck) {
	switch c.Status {
	case "missing":
		finding(r, noctuary.FindingSubscription, c.Service, "%s is enabled but no webhook subscription of integration %s delivers PagerDuty service %s to Noctuary: add one with the URL …/webhooks/pagerduty/%s",
			c.Service, c.Integration, c.PagerDutyServiceID, c.Integration)
	case "disabled":
		finding(r, noctuary.FindingSubscription, c.Service, "%s is enabled but webhook subscription %s (PagerDuty service %s) is disabled in PagerDuty", c.Service, c.Subscription, c.PagerDutyServiceID)
	case "temporarily_disabled":
		finding(r, noctuary.FindingSubscription, c.Service, "%s is enabled but PagerDuty temporarily disabled webhook subscription %s (PagerDuty service %s) after failed deliveries; re-enable it", c.Service, c.Subscription, c.PagerDutyServiceID)
	}
}

// keys checks each integration's credential (does it work, has it more
// power than needed) and the age of its secrets.
func (b *Builder) keys(ctx context.Context, r *noctuary.Review) error {
	statuses, err := b.opt.Keys.Keys(ctx)
	if err != nil {
		return err
	}
	now := b.opt.Now()
	for _, k := range statuses {
		c := noctuary.KeyCheck{Environment: k.Environment, Integration: k.Integration, AgeDays: days(k.Age),
			DueAt: k.DueAt, Overdue: !k.DueAt.IsZero() && now.After(k.DueAt), Secrets: k.Secrets}
		where := fmt.Sprintf("integration %s (environment %s)", k.Integration, k.Environment)
		rep, err := b.opt.PagerDuty.Credential(ctx, k.Integration)
		switch code := noctuary.ErrorCode(err); {
		case err != nil && (code == noctuary.EUnavailable || code == noctuary.EInternal || ctx.Err() != nil):
			c.Problem = noctuary.ErrorMessage(err)
			finding(r, noctuary.FindingUnchecked, k.Integration, "the PagerDuty credential of %s could not be checked: %s", where, c.Problem)
		case err != nil:
			c.Problem = noctuary.ErrorMessage(err)
			finding(r, noctuary.FindingKey, k.Integration, "the PagerDuty credential of %s does not work: %s", where, c.Problem)
		default:
			c.Works, c.Credential = true, &rep
			if rep.Warning != "" {
				finding(r, noctuary.FindingKey, k.Integration, "the PagerDuty credential of %s has more power than needed: %s", where, rep.Warning)
			}
		}
		due := 0
		for _, sec := range k.Secrets {
			if sec.Due(now) {
				due++
				finding(r, noctuary.FindingKey, k.Integration, "the %s of %s is %d days old, due for rotation since %s",
					sec.What(), where, days(sec.Age), sec.DueAt.UTC().Format(time.DateOnly))
			}
		}
		if due == 0 && c.Overdue {
			finding(r, noctuary.FindingKey, k.Integration, "the PagerDuty key of %s is %d days old, due for rotation since %s",
				where, c.AgeDays, k.DueAt.UTC().Format(time.DateOnly))
		}
		r.Keys = append(r.Keys, c)
	}
	return nil
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

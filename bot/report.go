package bot

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// auditLimit is how many audit entries /noctuary audit shows.
const auditLimit = 15

func (b *Bot) status(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	svcs, err := b.opt.Admin.Status(ctx, svc)
	if err != nil {
		return "", err
	}
	var s strings.Builder
	if paused, err := b.opt.Admin.Paused(ctx, ""); err != nil {
		return "", err
	} else if paused {
		fmt.Fprintf(&s, ":double_vertical_bar: Everything is paused (`%s resume` ends it).\n", SlashCommand)
	}
	if len(svcs) == 0 {
		fmt.Fprintf(&s, "No service is configured yet: declare one in the configuration file, or `%s create <service> <environment> <PagerDuty service ID>` then `%s enable <service> #channel`.", SlashCommand, SlashCommand)
		return s.String(), nil
	}
	for _, v := range svcs {
		p, err := b.opt.Store.FeedbackPrecision(ctx, v.Key)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&s, "• %s%s\n", serviceLine(v), precisionLine(p))
	}
	return blocks.Truncate(strings.TrimSuffix(s.String(), "\n"), 3000), nil
}

func serviceLine(v noctuary.Service) string {
	state := "disabled"
	if v.Enabled {
		state = "enabled, " + string(v.Mode)
	}
	line := fmt.Sprintf("`%s` (%s): %s, channel %s, approvers %s", v.Key, v.Environment, state,
		mention(v.SlackChannel), approverList(v))
	if v.Paused {
		line += ", *paused*"
	}
	return line
}

// precisionLine summarises the engineers' verdicts on a service's
// hypotheses over each window, in all and by engine; "" without any.
func precisionLine(windows []noctuary.WindowPrecision) string {
	if len(windows) == 0 || windows[len(windows)-1].All == (noctuary.Verdicts{}) {
		return "" // no vote in the longest window
	}
	parts := make([]string, 0, len(windows))
	for _, w := range windows {
		if w.All == (noctuary.Verdicts{}) {
			parts = append(parts, fmt.Sprintf("%d days no votes", w.Days))
			continue
		}
		engines := make([]string, 0, len(w.Engines))
		for _, e := range slices.Sorted(maps.Keys(w.Engines)) {
			engines = append(engines, blocks.Escape(e)+" "+verdictText(w.Engines[e]))
		}
		parts = append(parts, fmt.Sprintf("%d days %s (%s)", w.Days, verdictText(w.All), strings.Join(engines, ", ")))
	}
	return "\n    hypotheses found right: " + strings.Join(parts, " · ")
}

// verdictText is "75% of 4 votes".
func verdictText(v noctuary.Verdicts) string {
	p, _ := v.Precision()
	n := v.Right + v.Wrong
	text := fmt.Sprintf("%d%% of %d vote", int(math.Round(p*100)), n)
	if n != 1 {
		text += "s"
	}
	return text
}

func (b *Bot) keys(ctx context.Context, _ request) (string, error) {
	keys, err := b.opt.Admin.Keys(ctx)
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return "No PagerDuty integration is configured.", nil
	}
	now := b.now()
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		what := "key"
		if k.OAuth {
			what = "OAuth client secret"
		}
		line := fmt.Sprintf("• `%s` (integration `%s`): %s %s old", k.Environment, k.Integration, what, days(k.Age))
		if !k.RotatedAt.IsZero() && !k.OAuth {
			line += ", rotated " + k.RotatedAt.UTC().Format(time.DateOnly)
		}
		line += dueText(k.DueAt, now)
		if k.Pending {
			line += "; a new key is pending until it has worked once"
		}
		lines = append(lines, line+credentialLines(k, now))
	}
	return blocks.Truncate(strings.Join(lines, "\n"), 3000), nil
}

// dueText is ", rotation due <date>", marked overdue once due.
func dueText(due, now time.Time) string {
	if due.IsZero() {
		return ""
	}
	text := ", rotation due " + due.UTC().Format(time.DateOnly)
	if !now.Before(due) {
		text += " (*overdue*)"
	}
	return text
}

// credentialLines says what the credential may do, warns when it has more
// power than needed, and gives the webhook secret's age.
func credentialLines(k noctuary.KeyStatus, now time.Time) string {
	var s strings.Builder
	if r := k.Credential; r != nil {
		fmt.Fprintf(&s, "\n    can do: %s (checked %s)", blocks.Escape(r.Summary()), r.CheckedAt.UTC().Format(time.DateOnly))
		if r.Warning != "" {
			fmt.Fprintf(&s, "\n    :warning: more power than needed: %s", blocks.Escape(r.Warning))
		}
	}
	for _, c := range k.Secrets {
		if c.Kind == noctuary.CredentialWebhookSecret {
			fmt.Fprintf(&s, "\n    webhook signing secret %s old%s", days(c.Age), dueText(c.DueAt, now))
		}
	}
	return s.String()
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func (b *Bot) audit(ctx context.Context, r request) (string, error) {
	svc, err := serviceArg(r.args, 0)
	if err != nil {
		return "", err
	}
	entries, err := b.opt.Admin.AuditLog(ctx, svc, auditLimit)
	if err != nil {
		return "", err
	}
	if len(entries) == 0 {
		return "The audit log is empty for " + scope(svc) + ".", nil
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		who := e.Actor
		if id, ok := strings.CutPrefix(e.Actor, "slack:"); ok {
			who = mention(id)
		}
		line := fmt.Sprintf("• `%s` %s %s", e.Time.UTC().Format(time.DateTime), who, blocks.Escape(e.Action))
		if e.Service != "" {
			line += " `" + e.Service + "`"
		}
		if e.Incident != "" {
			line += " incident " + e.Incident
		}
		lines = append(lines, line+": "+blocks.Escape(blocks.Truncate(e.Result, 200)))
	}
	return blocks.Truncate(strings.Join(lines, "\n"), 3000), nil
}

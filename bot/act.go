package bot

import (
	"context"
	"fmt"
	"slices"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/approvals"
	"github.com/noctuary/noctuary/bot/blocks"
)

// act carries out a click. Refusals and domain errors are told to the user
// (ephemeral) and end the job; only faults are returned, for a retry.
func (b *Bot) act(ctx context.Context, c click) error {
	email, err := b.dir.UserEmail(ctx, c.UserID)
	if err != nil {
		return err
	}
	u := approvals.User{ID: c.UserID, Name: c.UserName, Email: email}
	if c.IncidentID == "" && c.ActionID == blocks.ActionAcknowledge {
		c.IncidentID = c.Value
	}
	switch c.ActionID {
	case blocks.ActionRight, blocks.ActionWrong:
		right := c.ActionID == blocks.ActionRight
		if err := b.opt.Approvals.Feedback(ctx, c.Value, u, right); err != nil {
			return b.refuse(ctx, c, err)
		}
		verdict := map[bool]string{true: "right", false: "wrong"}[right]
		return b.say(ctx, c, "Thanks: recorded that the hypothesis was "+verdict+".")
	case blocks.ActionAcknowledge:
		if ok, err := b.allowed(ctx, c); !ok || err != nil {
			return err
		}
		if err := b.opt.Approvals.Acknowledge(ctx, c.Value, u); err != nil {
			return b.refuse(ctx, c, err)
		}
		return b.say(ctx, c, "Acknowledged in PagerDuty on your behalf; the message updates when PagerDuty confirms.")
	default:
		return b.decide(ctx, c, u)
	}
}

func (b *Bot) decide(ctx context.Context, c click, u approvals.User) error {
	if ok, err := b.allowed(ctx, c); !ok || err != nil {
		return err
	}
	a, err := b.opt.Approvals.Decide(ctx, c.Value, u)
	if err != nil {
		return b.refuse(ctx, c, err)
	}
	o := blocks.Outcome{ApprovalID: a.ID, Action: a.Action, Destructive: a.Destructive, UserID: c.UserID,
		At: b.now(), State: a.State, Result: a.Result}
	// The action ran: its outcome is shown by a job of its own, so that a
	// Slack failure is retried without deciding again.
	return b.enqueue(ctx, job{Kind: jobOutcome, Outcome: &outcome{IncidentID: c.IncidentID, Outcome: o}})
}

// allowed checks that the incident's service is in action mode and not
// paused; otherwise it tells the user why nothing runs.
func (b *Bot) allowed(ctx context.Context, c click) (bool, error) {
	r, err := b.loadRecord(ctx, c.IncidentID)
	if err != nil {
		return false, err
	}
	if r.Triage.Service == "" {
		return false, b.say(ctx, c, "This message is no longer tracked by Noctuary; nothing ran.")
	}
	svc, err := b.service(ctx, r.Triage.Service)
	if err != nil {
		return false, err
	}
	paused, err := b.opt.Admin.Paused(ctx, svc.Key)
	if err != nil {
		return false, err
	}
	switch {
	case !svc.Enabled:
		return false, b.say(ctx, c, fmt.Sprintf("`%s` is disabled; nothing ran.", svc.Key))
	case svc.Mode != noctuary.ModeAction:
		return false, b.say(ctx, c, fmt.Sprintf("`%s` is read-only, so nothing runs from Slack. An admin can promote it with `%s mode %s action`.",
			svc.Key, SlashCommand, svc.Key))
	case paused:
		return false, b.say(ctx, c, fmt.Sprintf("Noctuary is paused for `%s`: nothing ran. An admin can end the pause with `%s resume`.",
			svc.Key, SlashCommand))
	}
	return true, nil
}

// refuse tells the user a domain error; a fault is returned for a retry.
func (b *Bot) refuse(ctx context.Context, c click, err error) error {
	if noctuary.ErrorCode(err) == noctuary.EUnavailable {
		return err
	}
	return b.say(ctx, c, b.errorText(err, c.ActionID))
}

// outcome is the job showing what became of an approval.
type outcome struct {
	IncidentID string         `json:"incident_id"`
	Outcome    blocks.Outcome `json:"outcome"`
}

// showOutcome adds the outcome to the incident's message and says it in
// the thread.
func (b *Bot) showOutcome(ctx context.Context, o outcome) error {
	return b.withRecord(ctx, o.IncidentID, func(r *record) error {
		if !r.posted() {
			return nil
		}
		if !slices.ContainsFunc(r.Outcomes, func(x blocks.Outcome) bool { return x.ApprovalID == o.Outcome.ApprovalID }) {
			r.Outcomes = append(r.Outcomes, o.Outcome)
		}
		svc, err := b.service(ctx, r.Triage.Service)
		if err != nil {
			return err
		}
		if err := b.publish(ctx, r, svc); err != nil {
			return err
		}
		return b.sayOnce(ctx, r, "outcome:"+o.Outcome.ApprovalID, outcomeText(o.Outcome))
	})
}

func outcomeText(o blocks.Outcome) string {
	verb := "applied"
	if o.Destructive {
		verb = "approved"
	}
	text := fmt.Sprintf("<@%s> %s *%s*: %s", o.UserID, verb, blocks.Escape(o.Action), o.State)
	if o.Result != "" {
		text += " — " + blocks.Escape(blocks.Truncate(o.Result, 500))
	}
	return text
}

package bot

import (
	"context"
	"fmt"
	"slices"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// act carries out a click, queued as job jobID. Refusals and domain errors
// are told to the user (ephemeral) and end the job; only faults are
// returned, for a retry.
func (b *Bot) act(ctx context.Context, c click, jobID string) error {
	if c.ActionID == blocks.ActionRight || c.ActionID == blocks.ActionWrong {
		return b.feedback(ctx, c)
	}
	// Who clicked, by email: the on-call check, the timeline notes and the
	// action request name them. A lookup fault is retried; a refusal is told.
	email, err := b.dir.UserEmail(ctx, c.UserID)
	if err != nil && permanent(err) {
		b.log.Error("users.info refused", "user", c.UserID, "error", err)
		return b.say(ctx, c, "Slack would not tell Noctuary who you are, so nothing ran; an admin can check the app's users:read.email scope.")
	}
	if err != nil {
		return err
	}
	u := noctuary.User{ID: c.UserID, Name: c.UserName, Email: email}
	if c.IncidentID == "" && c.ActionID == blocks.ActionAcknowledge {
		c.IncidentID = c.Value
	}
	if c.ActionID != blocks.ActionAcknowledge {
		return b.decide(ctx, c, u, jobID)
	}
	if _, ok, err := b.allowed(ctx, c); !ok || err != nil {
		return err
	}
	if c.Value != c.IncidentID {
		return b.say(ctx, c, "This button does not belong to this message; nothing ran.")
	}
	if err := b.opt.Approvals.Acknowledge(ctx, c.IncidentID, u); err != nil {
		return b.refuse(ctx, c, err)
	}
	return b.say(ctx, c, "Acknowledged in PagerDuty on your behalf; the message updates when PagerDuty confirms.")
}

// feedback records whether the clicking user found the hypothesis right;
// anyone may, in any mode.
func (b *Bot) feedback(ctx context.Context, c click) error {
	right := c.ActionID == blocks.ActionRight
	if err := b.opt.Approvals.Feedback(ctx, c.Value, noctuary.User{ID: c.UserID, Name: c.UserName}, right); err != nil {
		return b.refuse(ctx, c, err)
	}
	verdict := map[bool]string{true: "right", false: "wrong"}[right]
	return b.say(ctx, c, "Thanks: recorded that the hypothesis was "+verdict+".")
}

// decide approves or applies an offer of the clicked message. Only an
// approval offered on that very message can run from it. The click's job
// is the runner: if it comes back while its approval is still running, its
// first worker died mid-action.
func (b *Bot) decide(ctx context.Context, c click, u noctuary.User, jobID string) error {
	r, ok, err := b.allowed(ctx, c)
	if !ok || err != nil {
		return err
	}
	if !slices.ContainsFunc(r.Offers, func(o blocks.Offer) bool { return o.ApprovalID == c.Value }) {
		return b.say(ctx, c, "This button is no longer offered on this message; nothing ran.")
	}
	a, err := b.opt.Approvals.Decide(ctx, c.Value, jobID, u)
	if err == nil || finished(a) {
		// The outcome is shown by a job of its own, so that a Slack failure
		// is retried without deciding again. A retried click finds the
		// approval decided: its outcome is queued again (showing it is
		// idempotent), in case the first job was lost.
		if qerr := b.enqueue(ctx, job{Kind: jobOutcome, Outcome: &outcome{IncidentID: c.IncidentID, Outcome: b.outcomeOf(a, c)}}); qerr != nil {
			return qerr
		}
	}
	if err != nil {
		return b.refuse(ctx, c, err)
	}
	return nil
}

// finished reports whether a's action ran to an end (or, unknown, was lost
// track of).
func finished(a noctuary.Approval) bool {
	return a.State == noctuary.ApprovalDone || a.State == noctuary.ApprovalFailed || a.State == noctuary.ApprovalUnknown
}

// outcomeOf is what the message shows of decided approval a.
func (b *Bot) outcomeOf(a noctuary.Approval, c click) blocks.Outcome {
	o := blocks.Outcome{ApprovalID: a.ID, Action: a.Action, Destructive: a.Destructive, UserID: a.DecidedBy,
		At: a.DecidedAt, State: a.State, Result: a.Result}
	if o.UserID == "" {
		o.UserID = c.UserID
	}
	if o.At.IsZero() {
		o.At = b.now()
	}
	return o
}

// allowed checks that the incident's service may act now (approvals'
// MayAct: enabled, in action mode, nothing paused) and returns the
// incident's message record (clickedRecord); otherwise it tells the user
// why nothing runs.
func (b *Bot) allowed(ctx context.Context, c click) (record, bool, error) {
	r, err := b.clickedRecord(ctx, c)
	if err != nil {
		return r, false, err
	}
	if r.Triage.Service == "" {
		return r, false, b.say(ctx, c, "This message is no longer tracked by Noctuary; nothing ran.")
	}
	svc, err := b.service(ctx, r.Triage.Service)
	if err != nil {
		return r, false, err
	}
	if err := b.opt.Approvals.MayAct(ctx, svc); err != nil {
		if noctuary.ErrorCode(err) != noctuary.EForbidden {
			return r, false, err
		}
		return r, false, b.say(ctx, c, noctuary.ErrorMessage(err)+". Nothing ran.")
	}
	return r, true, nil
}

// clickedRecord loads the record of the clicked message. A click the record
// does not explain (explains) may come from a message that a job is posting
// or updating, whose record is saved once Slack has answered: the record is
// read again once no job holds it.
func (b *Bot) clickedRecord(ctx context.Context, c click) (record, error) {
	r, err := b.loadRecord(ctx, c.IncidentID)
	if err != nil || explains(r, c) {
		return r, err
	}
	return b.readRecord(ctx, c.IncidentID)
}

// explains reports whether r accounts for click c: r is a tracked message's
// record, and c acknowledges its incident (no offer needed) or decides an
// approval r offers.
func explains(r record, c click) bool {
	if r.Triage.Service == "" {
		return false
	}
	return c.ActionID == blocks.ActionAcknowledge ||
		slices.ContainsFunc(r.Offers, func(o blocks.Offer) bool { return o.ApprovalID == c.Value })
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
	said := "outcome:" + o.Outcome.ApprovalID
	return b.withRecord(ctx, o.IncidentID, func(r *record) error {
		if !r.posted() || slices.Contains(r.Said, said) {
			return nil // nothing to update, or shown and said already
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
		return b.sayOnce(ctx, r, said, outcomeText(o.Outcome))
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

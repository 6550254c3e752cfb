package agent

import (
	"context"
	"errors"
	"strconv"

	"github.com/noctuary/noctuary"
)

// notPosted keeps on t why PagerDuty did not take its note (err) and what
// happens next, and mirrors t when that says something new, so that the
// Slack message shows the note missing, and why, with t's hypothesis (the
// LLM's when there is one). A retry that fails as the one before (PagerDuty
// still down) changes nothing to show and writes nothing. The attempt
// after which the webhook is dead-lettered is audited. t's lock is held.
func (w *Worker) notPosted(ctx context.Context, d noctuary.WebhookDelivery, svc noctuary.Service, t noctuary.Triage, err error) {
	if ctx.Err() != nil {
		return // the triage ended (lease lost, shutdown): not PagerDuty's doing
	}
	f := &noctuary.NoteFailure{Code: noctuary.ErrorCode(err), Reason: noctuary.ErrorMessage(err), At: w.opt.Now().UTC(),
		Next: noctuary.NoteRedelivered, Delivery: d.Deliveries, Deliveries: w.opt.MaxDeliveries, Unsure: mayHavePosted(err)}
	switch {
	case f.Code == noctuary.EUnavailable:
		f.Next, f.Delivery, f.Deliveries = noctuary.NoteRetried, 0, 0
	case w.last(d):
		f.Next = noctuary.NoteDeadLettered
	}
	w.opt.Metrics.NotesNotPosted.WithLabelValues(f.Code).Inc()
	if f.Next == noctuary.NoteDeadLettered {
		w.audit(ctx, noctuary.AuditEntry{
			Actor: "noctuary", Action: "triage.note", Service: svc.Key, Incident: t.Incident.ID, Result: string(noctuary.NoteDeadLettered),
			Details: map[string]string{"triage_id": t.ID, "engine": t.Engine, "code": f.Code, "reason": f.Reason,
				"deliveries": strconv.FormatInt(d.Deliveries, 10)},
		})
	}
	if !changed(t.NoteFailure, f) {
		return
	}
	t.NoteFailure = f
	if err := w.opt.State.SaveTriage(ctx, t); err != nil {
		w.opt.Logger.Warn("keeping why the note was not posted failed; the Slack message does not say it", "incident", t.Incident.ID,
			"triage", t.ID, "error", err)
		return
	}
	w.mirror(ctx, t)
}

// mayHavePosted reports whether a failed post may have taken effect: a
// failure PagerDuty might have acted on (no answer, a 5xx: not surely
// unsent) or an answer that could not be read. A refusal (4xx) or a 429
// posted nothing.
func mayHavePosted(err error) bool {
	switch noctuary.ErrorCode(err) {
	case noctuary.EInternal:
		return true
	case noctuary.EUnavailable:
		ns, ok := errors.AsType[notSent](err)
		return !ok || !ns.NotSent()
	}
	return false
}

// changed reports whether g says something else than f, apart from its
// sentence and time.
func changed(f, g *noctuary.NoteFailure) bool {
	if f == nil || g == nil {
		return f != g
	}
	return f.Code != g.Code || f.Next != g.Next || f.Delivery != g.Delivery || f.Deliveries != g.Deliveries || f.Unsure != g.Unsure
}

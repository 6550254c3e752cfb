package agent

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// lockLease is the lease of a triage's lock, renewed while the triage runs:
// a worker that dies mid-triage holds its incident up for no longer. A
// triage that loses its lease stops (its context ends), so that no second
// note is posted. triageTimeout bounds a whole triage.
const (
	lockLease     = 10 * time.Second
	triageTimeout = 2 * time.Minute
	// busyWait is how long an event of an incident that another worker is
	// triaging waits before it is tried again.
	busyWait = time.Second
)

// TriageID is the deterministic ID of the triage of one incident at one onset:
// redeliveries, replicas and the webhooks of every integration (account-wide
// subscriptions deliver each incident to all of them) compute the same ID,
// and a reopened incident (a new onset) gets a new one. writer is the
// integration the incident is written with, that of its service's
// environment (the environment itself when it has none); never the one whose
// webhook delivered it. Incidents delivered through their own environment's
// integration keep the IDs of earlier versions, which used the delivering
// integration, so that the notes those posted are still recognised.
func TriageID(writer, incidentID string, onset time.Time) string {
	sum := sha256.Sum256([]byte(writer + "\x00" + incidentID + "\x00" + onset.UTC().Format(time.RFC3339Nano)))
	return "tr_" + hex.EncodeToString(sum[:10])
}

// writer returns the ID of the integration that every write about svc's
// incidents uses: the one of svc's environment, whichever integration's
// webhook delivered them; "" when the environment has none.
func (w *Worker) writer(ctx context.Context, svc noctuary.Service) (string, error) {
	in, err := w.opt.State.IntegrationForEnvironment(ctx, svc.Environment)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return "", nil
	}
	return in.ID, err
}

// handle applies one delivery of a webhook event: it updates the incident's
// state, and for a triggered or reopened incident of an enabled service
// triages it.
func (w *Worker) handle(ctx context.Context, d noctuary.WebhookDelivery) error {
	ev := d.Event
	ph := &phases{m: w.opt.Metrics, at: time.Now()}
	svc, err := w.opt.State.ServiceByPagerDutyID(ctx, ev.Incident.Service.ID)
	known := err == nil
	if err != nil && noctuary.ErrorCode(err) != noctuary.ENotFound {
		return err
	}
	st, err := w.opt.State.UpdateIncident(ctx, ev, svc.Key)
	if err != nil {
		return err
	}
	w.recordRollout(ctx, ev, svc, known, st)
	if ev.Type != noctuary.EventIncidentTriggered && ev.Type != noctuary.EventIncidentReopened {
		if st.TriageID != "" && w.opt.Mirror != nil {
			if err := w.opt.Mirror.MirrorIncident(ctx, st); err != nil {
				w.opt.Logger.Warn("queueing the Slack update failed", "incident", ev.Incident.ID, "error", err)
			}
		}
		return w.resolved(ctx, ev, st)
	}
	if !known || !svc.Enabled {
		label := svc.Key
		if !known {
			label = ev.Incident.Service.ID
		}
		w.opt.Metrics.NotEnabled.WithLabelValues(label).Inc()
		w.opt.Logger.Info("incident of a service that is not enabled: no note", "incident", ev.Incident.ID, "service", label)
		return nil
	}
	return w.triage(ctx, d, svc, st, ph)
}

// onset is when the incident started: its reopen time for a reopened
// incident, else its creation time.
func onset(ev noctuary.WebhookEvent) time.Time {
	if ev.Type == noctuary.EventIncidentReopened {
		if ev.Incident.ReopenedAt != nil {
			return *ev.Incident.ReopenedAt
		}
		return ev.OccurredAt
	}
	if !ev.Incident.CreatedAt.IsZero() {
		return ev.Incident.CreatedAt
	}
	return ev.OccurredAt
}

func (w *Worker) triage(ctx context.Context, d noctuary.WebhookDelivery, svc noctuary.Service, st noctuary.IncidentState, ph *phases) error {
	ev := d.Event
	at := onset(ev)
	writer, err := w.writer(ctx, svc)
	if err != nil {
		return err
	}
	id := TriageID(cmp.Or(writer, svc.Environment), ev.Incident.ID, at)
	held, release, ok, err := w.opt.State.LockTriage(ctx, id, lockLease)
	if err != nil {
		return err
	}
	if !ok {
		return errBusy
	}
	defer release()
	ctx, cancel := context.WithTimeout(held, triageTimeout)
	defer cancel()
	w.opt.Metrics.Backlog.WithLabelValues(precedence(ev).Urgency()).Inc()
	defer w.opt.Metrics.Backlog.WithLabelValues(precedence(ev).Urgency()).Dec()
	prev, err := w.opt.State.Triage(ctx, id)
	switch {
	case err == nil && prev.Undelivered:
		// An earlier delivery got as far as the note: only posting is left.
		return w.deliver(ctx, d, svc, st, prev, ph)
	case err == nil && prev.Note != "":
		w.opt.Metrics.Triages.WithLabelValues("already_done").Inc()
		return nil
	case err != nil && noctuary.ErrorCode(err) != noctuary.ENotFound:
		// Unknown whether it is done: retry rather than triage it again.
		return err
	}

	ph.done(phasePrepare)
	t, req, err := w.firstHypothesis(ctx, ev, svc, id, writer, at, ph)
	if err != nil {
		return err
	}
	w.mirror(ctx, t)
	if w.opt.LLM != nil && svc.LLM {
		res := w.askLLM(ctx, req)
		w.fellBack(t, res)
		t = withResult(t, res)
	}
	t.Note, t.Undelivered = w.opt.Render(t), true
	// Kept before posting, so that a retry (PagerDuty unavailable) posts
	// this note rather than triaging again.
	if err := w.opt.State.SaveTriage(ctx, t); err != nil {
		return err
	}
	ph.done(phaseSave)
	return w.deliver(ctx, d, svc, st, t, ph)
}

// firstHypothesis correlates the incident's window and keeps the triage
// with the heuristic's hypothesis, at once and without its note, so that
// the Slack message's buttons work while the LLM thinks (a triage counts as
// done only once its note is delivered).
func (w *Worker) firstHypothesis(ctx context.Context, ev noctuary.WebhookEvent, svc noctuary.Service, id, writer string, at time.Time, ph *phases) (noctuary.Triage, Request, error) {
	t, req, err := w.correlate(ctx, ev, svc, id, writer, at, ph)
	if err != nil {
		return noctuary.Triage{}, Request{}, err
	}
	return t, req, w.opt.State.SaveTriage(ctx, t)
}

// correlate reads the incident's window and writes the heuristic's
// hypothesis, holding one of Concurrency slots (or, for a high-urgency
// incident, of Concurrency more) for this CPU-bound part of a triage only:
// saving it waits on Redis, as posting waits on PagerDuty, with the slot
// free for another triage.
func (w *Worker) correlate(ctx context.Context, ev noctuary.WebhookEvent, svc noctuary.Service, id, writer string, at time.Time, ph *phases) (noctuary.Triage, Request, error) {
	var urgent chan struct{}
	if precedence(ev).Urgent {
		urgent = w.urgent
	}
	release, err := acquire(ctx, w.compute, urgent)
	if err != nil {
		return noctuary.Triage{}, Request{}, noctuary.Wrap(err, noctuary.EUnavailable, "the triage ended waiting for a free worker")
	}
	defer release()
	ph.done(phaseSlot)
	events, err := w.opt.State.EventsInWindow(ctx, EventScope(svc), at.Add(-w.opt.Window), at.Add(w.opt.After))
	if err != nil {
		return noctuary.Triage{}, Request{}, err
	}
	ph.done(phaseWindow)
	req := NewRequest(ev.Incident, svc, at, events, CorrelateOptions{Window: w.opt.Window, After: w.opt.After, Memo: w.opt.Memo})
	t := noctuary.Triage{
		ID: id, Integration: writer, Service: svc.Key, Mode: svc.Mode,
		Incident: ev.Incident, Onset: at, CreatedAt: w.opt.Now().UTC(),
	}
	t = withResult(t, Hypothesize(ctx, nil, req, w.opt.LLMTimeout))
	ph.done(phaseCorrelate)
	return t, req, nil
}

// askLLM asks the LLM for a hypothesis, on one of LLMConcurrency slots: a
// slow model holds its own slots, never the workers that post heuristic
// notes. Waiting for a slot counts against LLMTimeout; a triage that finds
// none free in that time gets the heuristic's hypothesis.
func (w *Worker) askLLM(ctx context.Context, req Request) Result {
	if len(req.Correlation.Signals) == 0 {
		return Hypothesize(ctx, nil, req, w.opt.LLMTimeout)
	}
	start := time.Now()
	lctx, cancel := context.WithTimeout(ctx, w.opt.LLMTimeout)
	defer cancel()
	release, err := acquire(lctx, w.llm, nil)
	if err != nil {
		res := Hypothesize(ctx, nil, req, w.opt.LLMTimeout)
		res.FallbackKind = FallbackTimeout
		res.FallbackReason = fmt.Sprintf("every LLM call was busy for %s", w.opt.LLMTimeout)
		return res
	}
	defer release()
	return Hypothesize(lctx, w.opt.LLM, req, max(w.opt.LLMTimeout-time.Since(start), time.Millisecond))
}

// precedence is the precedence of the note of ev's incident.
func precedence(ev noctuary.WebhookEvent) noctuary.Precedence {
	return noctuary.PrecedenceOf(ev.Incident, ev.ReceivedAt)
}

// deliver posts the note of t, a triage kept with its note (unless paused
// or in dry run), keeps the triage as delivered, audits it, updates the
// Slack mirror and acknowledges when configured to. When PagerDuty does not
// take the note, the triage keeps why (notPosted).
func (w *Worker) deliver(ctx context.Context, d noctuary.WebhookDelivery, svc noctuary.Service, st noctuary.IncidentState, t noctuary.Triage, ph *phases) error {
	ev := d.Event
	paused, err := w.paused(ctx, svc.Key)
	if err != nil {
		return err
	}
	var n Notifier
	if !paused && t.Integration != "" {
		if n, err = w.opt.Notifiers.Notifier(ctx, t.Integration); err != nil {
			return err
		}
	}
	outcome := "posted"
	switch {
	case paused:
		outcome = "paused"
		w.opt.Logger.Info("service paused: note kept, not posted", "incident", ev.Incident.ID, "triage", t.ID)
	case n == nil:
		outcome = "dry_run"
		w.opt.Logger.Info("dry run: the environment's integration has no PagerDuty key, is inbound-only or missing; note kept, not posted",
			"incident", ev.Incident.ID, "triage", t.ID, "environment", svc.Environment, "integration", t.Integration,
			"delivered_by", ev.Integration, "note", t.Note)
	default:
		if t.NoteID, err = w.post(ctx, n, t, precedence(ev)); err != nil {
			if ne, ok := errors.AsType[*noteError](err); ok {
				w.notPosted(ctx, d, svc, t, ne.err)
			}
			return err
		}
		ph.done(phasePost)
	}
	failed := t.NoteFailure != nil
	t.Undelivered, t.NoteFailure = false, nil
	if err := w.opt.State.SaveTriage(ctx, t); err != nil {
		return err
	}
	if outcome == "posted" {
		w.endPosting(ctx, t.ID)
	}
	w.opt.Metrics.Triages.WithLabelValues(outcome).Inc()
	if !ev.ReceivedAt.IsZero() {
		w.opt.Metrics.Latency.WithLabelValues(precedence(ev).Urgency()).Observe(w.opt.Now().Sub(ev.ReceivedAt).Seconds())
	}
	w.audit(ctx, noctuary.AuditEntry{
		Actor: "noctuary", Action: "triage.note", Service: svc.Key, Incident: ev.Incident.ID, Result: outcome,
		Details: map[string]string{"triage_id": t.ID, "engine": t.Engine, "confidence": strconv.FormatFloat(t.Confidence, 'f', 2, 64), "note_id": t.NoteID},
	})
	if t.Engine != noctuary.EngineHeuristic || failed {
		// The LLM's hypothesis, or the line saying the note is missing
		// gone.
		w.mirror(ctx, t)
	}
	if n != nil && shouldAutoAck(svc, t, st) {
		// The triage may have taken a while (LLM, PagerDuty retries): an
		// engineer may have acknowledged or resolved the incident meanwhile,
		// or it was reopened and a newer triage now speaks for it.
		if latest, err := w.opt.State.IncidentState(ctx, ev.Incident.ID); err != nil {
			w.opt.Logger.Warn("auto-acknowledge skipped: the incident's state could not be read", "incident", ev.Incident.ID, "error", err)
		} else if shouldAutoAck(svc, t, latest) && latest.TriageID == t.ID {
			w.autoAck(ctx, n, svc, t)
		}
	}
	ph.done(phaseFinish)
	return nil
}

// notSent is a failed write that knows whether it surely did not take effect
// (pd.RetryableError).
type notSent interface {
	error
	NotSent() bool
}

// noteError is PagerDuty's failure to take a note (not Redis's, around it).
type noteError struct{ err error }

func (e *noteError) Error() string { return "posting the note: " + e.err.Error() }
func (e *noteError) Unwrap() error { return e.err }

// post posts t's note once. PagerDuty is asked whether the note is already
// there only when an earlier attempt may have posted it (State.StartPosting);
// a first attempt is one request. The note waits its turn for the key's
// budget (precedence p) as long as the triage may last; the Notifier bounds
// the posting itself. A failure that surely posted nothing
// clears the mark, so that the retry posts at once too.
func (w *Worker) post(ctx context.Context, n Notifier, t noctuary.Triage, p noctuary.Precedence) (string, error) {
	check, err := w.opt.State.StartPosting(ctx, t.ID, t.Onset)
	if err != nil {
		return "", err
	}
	id, err := n.PostNote(ctx, noctuary.NotePost{IncidentID: t.Incident.ID, TriageID: t.ID, Content: t.Note, Check: check, Precedence: p})
	if err != nil {
		if ns, ok := errors.AsType[notSent](err); ok && ns.NotSent() {
			w.endPosting(ctx, t.ID)
		}
		return "", &noteError{err}
	}
	return id, nil
}

// endPosting clears t's posting mark; if that fails, the mark expires and a
// later attempt asks PagerDuty once more than needed.
func (w *Worker) endPosting(ctx context.Context, triageID string) {
	if err := w.opt.State.EndPosting(ctx, triageID); err != nil {
		w.opt.Logger.Warn("clearing a note's posting mark failed; it expires by itself", "triage", triageID, "error", err)
	}
}

func (w *Worker) paused(ctx context.Context, service string) (bool, error) {
	if w.opt.Pauser == nil {
		return false, nil
	}
	return w.opt.Pauser.Paused(ctx, service)
}

// shouldAutoAck: action mode, a threshold set and reached, and the incident
// (as the latest webhooks left it) still triggered.
func shouldAutoAck(svc noctuary.Service, t noctuary.Triage, st noctuary.IncidentState) bool {
	return svc.Mode == noctuary.ModeAction && svc.AutoAcknowledge != nil &&
		t.Confidence >= *svc.AutoAcknowledge && st.Incident.Status == "triggered"
}

func (w *Worker) autoAck(ctx context.Context, n Notifier, svc noctuary.Service, t noctuary.Triage) {
	result := "ok"
	if err := n.Acknowledge(ctx, t.Incident.ID); err != nil {
		result = "failed: " + noctuary.ErrorMessage(err)
		w.opt.Logger.Warn("auto-acknowledge failed", "incident", t.Incident.ID, "error", err)
	}
	w.audit(ctx, noctuary.AuditEntry{
		Actor: "noctuary", Action: "incident.auto_acknowledge", Service: svc.Key, Incident: t.Incident.ID, Result: result,
		Details: map[string]string{"triage_id": t.ID, "confidence": strconv.FormatFloat(t.Confidence, 'f', 2, 64), "threshold": strconv.FormatFloat(*svc.AutoAcknowledge, 'f', 2, 64)},
	})
}

func (w *Worker) mirror(ctx context.Context, t noctuary.Triage) {
	if w.opt.Mirror == nil {
		return
	}
	if err := w.opt.Mirror.MirrorTriage(ctx, t); err != nil {
		w.opt.Logger.Warn("queueing the Slack mirror failed; the PagerDuty note is not affected", "incident", t.Incident.ID, "error", err)
	}
}

func (w *Worker) audit(ctx context.Context, e noctuary.AuditEntry) {
	e.Time = w.opt.Now().UTC()
	if _, err := w.opt.State.Audit(ctx, e); err != nil {
		w.opt.Logger.Warn("writing the audit entry failed", "action", e.Action, "error", err)
	}
}

// withResult copies an engine's result into the triage, compacted: what is
// stored and sent keeps the cited signals and counts the others.
func withResult(t noctuary.Triage, r Result) noctuary.Triage {
	t.Engine, t.Hypothesis, t.Confidence = r.Engine, r.Hypothesis, r.Confidence
	t.Recommendation, t.Signals, t.NoContext, t.FallbackReason = r.Recommendation, r.Signals, r.NoContext, r.FallbackReason
	t.Cited, t.Window, t.Suggestions = r.Cited, nil, r.Suggestions
	return t.Compact()
}

// fellBack logs and counts a heuristic hypothesis posted instead of the
// LLM's.
func (w *Worker) fellBack(t noctuary.Triage, res Result) {
	if res.FallbackKind == "" {
		return
	}
	w.opt.Metrics.LLMFallbacks.WithLabelValues(res.FallbackKind).Inc()
	w.opt.Logger.Warn("LLM not used: the heuristic hypothesis is posted instead", "reason", res.FallbackKind,
		"detail", res.FallbackReason, "incident", t.Incident.ID, "triage", t.ID)
}

package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// MirrorTriage queues the posting (or in-place update) of the incident's
// Slack message; the job worker does it, so Slack never delays the caller.
func (b *Bot) MirrorTriage(ctx context.Context, t noctuary.Triage) error {
	t = t.Compact() // the job carries the cited signals, not the window
	return b.enqueue(ctx, job{Kind: jobTriage, Triage: &t})
}

// MirrorIncident queues an update of the incident's message and thread
// after a change of st, unless Slack already shows st as it is (shown): a
// webhook that changes nothing Slack shows (the incident.annotated PagerDuty
// sends back for each note Noctuary posts, a reassignment) costs no Slack
// call. The job checks again, under the message's lock.
func (b *Bot) MirrorIncident(ctx context.Context, st noctuary.IncidentState) error {
	if r, err := b.loadRecord(ctx, st.Incident.ID); err == nil && r.posted() && r.Shown == shown(st) {
		return nil
	}
	return b.enqueue(ctx, job{Kind: jobIncident, Incident: &st})
}

// postTriage posts the triage to the service's channel, or updates the
// incident's message when there is one. An older triage than the one shown
// is ignored. The record keeps t compacted (a job queued before triages
// were carries every signal of the window).
func (b *Bot) postTriage(ctx context.Context, t noctuary.Triage) error {
	t = t.Compact()
	svc, err := b.opt.Store.Service(ctx, t.Service)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		b.log.Debug("no Slack message: unknown service", "service", t.Service, "incident", t.Incident.ID)
		return nil
	}
	if err != nil {
		return err
	}
	return b.withRecord(ctx, t.Incident.ID, func(r *record) error {
		if superseded(r.Triage, t) {
			b.log.Debug("ignoring a triage older than the one shown", "incident", t.Incident.ID, "triage_id", t.ID, "engine", t.Engine)
			return nil
		}
		if !r.posted() && svc.SlackChannel == "" {
			b.log.Debug("no Slack message: the service has no slack_channel", "service", svc.Key, "incident", t.Incident.ID)
			return nil
		}
		if r.Triage.ID != t.ID || !sameActions(r.Triage, t) {
			offers, err := b.offers(ctx, t, svc)
			if noctuary.ErrorCode(err) == noctuary.EUnavailable {
				return err
			}
			if err != nil {
				b.log.Warn("posting without action buttons", "incident", t.Incident.ID, "error", err)
			}
			// Outcomes stay: what already ran remains on the message.
			r.Offers = offers
		}
		r.Triage = t
		if !r.posted() {
			r.Channel = svc.SlackChannel
		}
		// Read before publishing: what Slack shows is then at least as new.
		cur := b.latestState(ctx, t.Incident.ID, noctuary.IncidentState{Incident: t.Incident})
		if err := b.publish(ctx, r, svc); err != nil {
			return err
		}
		// A status change that came while the message could not be posted
		// (Slack down) found nothing to update: the thread catches up now.
		return b.announced(ctx, r, cur)
	})
}

// superseded reports whether the shown triage is newer than t: a later
// triage of the incident (a reopen), or a later state of the same triage,
// which a late or retried job must not replace (see stage).
func superseded(shown, t noctuary.Triage) bool {
	if shown.ID == "" {
		return false
	}
	if shown.ID == t.ID {
		return laterStage(shown, t)
	}
	return shown.CreatedAt.After(t.CreatedAt)
}

// laterStage reports whether a is a later state of one triage than b. The
// worker mirrors a triage as it goes: the heuristic's hypothesis at once
// (no note yet), the LLM's result, each failure to post its note (by
// time), then the posted note.
func laterStage(a, b noctuary.Triage) bool {
	if ha, hb := a.Engine == noctuary.EngineHeuristic, b.Engine == noctuary.EngineHeuristic; ha != hb {
		return hb
	}
	if sa, sb := stage(a), stage(b); sa != sb {
		return sa > sb
	}
	return a.NoteFailure != nil && b.NoteFailure != nil && a.NoteFailure.At.After(b.NoteFailure.At)
}

// stage orders the states of a triage: its first hypothesis (no note), its
// note not posted, its note delivered.
func stage(t noctuary.Triage) int {
	switch {
	case t.Note == "":
		return 0
	case t.Undelivered:
		return 1
	default:
		return 2
	}
}

// sameActions reports whether a and b suggest the same actions, in the
// same ranks.
func sameActions(a, b noctuary.Triage) bool {
	return slices.EqualFunc(a.Ranked(), b.Ranked(), func(x, y noctuary.Suggestion) bool {
		return x.Action == y.Action && maps.Equal(x.Params, y.Params)
	})
}

func (b *Bot) offers(ctx context.Context, t noctuary.Triage, svc noctuary.Service) ([]blocks.Offer, error) {
	offers, err := b.opt.Approvals.Offer(ctx, t, svc)
	if err != nil {
		return nil, err
	}
	out := make([]blocks.Offer, len(offers))
	for i, o := range offers {
		out[i] = blocks.Offer{ApprovalID: o.ApprovalID, Action: o.Action, Destructive: o.Destructive, Suggestion: o.Suggestion}
	}
	return out, nil
}

// updateStatus re-renders the incident's message with its latest state and
// says in the thread how it went (announce), unless Slack already shows
// that state.
func (b *Bot) updateStatus(ctx context.Context, st noctuary.IncidentState) error {
	return b.withRecord(ctx, st.Incident.ID, func(r *record) error {
		if !r.posted() {
			b.log.Debug("no Slack message to update", "incident", st.Incident.ID)
			return nil
		}
		cur := b.latestState(ctx, st.Incident.ID, st)
		if r.Shown == shown(cur) {
			return nil
		}
		svc, err := b.service(ctx, r.Triage.Service)
		if err != nil {
			return err
		}
		if err := b.publish(ctx, r, svc); err != nil {
			return err
		}
		return b.announced(ctx, r, cur)
	})
}

// shown identifies what the incident's message and thread show of st: its
// status line and the buttons it leaves (blocks), and the thread's lines
// (blocks.ThreadLines). Two states with the same shown look the same in
// Slack.
func shown(st noctuary.IncidentState) string {
	view, _ := json.Marshal(struct {
		Status, AcknowledgedBy              string
		CreatedAt, AcknowledgedAt, Resolved time.Time
		Lines                               []blocks.ThreadLine
	}{st.Incident.Status, st.AcknowledgedBy, st.Incident.CreatedAt, st.AcknowledgedAt, st.ResolvedAt, blocks.ThreadLines(st)})
	sum := sha256.Sum256(view)
	return hex.EncodeToString(sum[:16])
}

// announced says in the thread how the incident went (blocks.ThreadLines:
// acknowledged, resolved or merged, reopened), each line once: a thread
// that missed some (Slack was down) tells them as they happened. Then it
// records that the message shows cur, a state read before the message was
// published, so that a change in between is shown by the next job, not
// skipped.
func (b *Bot) announced(ctx context.Context, r *record, cur noctuary.IncidentState) error {
	st := b.latestState(ctx, cur.Incident.ID, cur)
	for _, l := range blocks.ThreadLines(st) {
		if err := b.sayOnce(ctx, r, l.Key, l.Text); err != nil {
			return err
		}
	}
	r.Shown = shown(cur)
	return nil
}

// publish renders the record and posts it (first time) or updates it.
func (b *Bot) publish(ctx context.Context, r *record, svc noctuary.Service) error {
	paused, err := b.opt.Admin.Paused(ctx, svc.Key)
	if err != nil {
		return err
	}
	t := r.Triage
	t.Mode = svc.Mode // the service's mode now decides which buttons show
	m := blocks.Message{Triage: t, State: b.latestState(ctx, t.Incident.ID, noctuary.IncidentState{}),
		Offers: r.Offers, Outcomes: r.Outcomes, Paused: paused}
	opts := []slack.MsgOption{slack.MsgOptionText(blocks.Fallback(m), false), slack.MsgOptionBlocks(blocks.Render(m)...)}
	return b.dir.call(ctx, func() error {
		if r.posted() {
			_, _, _, err := b.api.UpdateMessageContext(ctx, r.Channel, r.TS, opts...)
			return err
		}
		ch, ts, err := b.api.PostMessageContext(ctx, r.Channel, opts...)
		if err == nil {
			r.Channel, r.TS = ch, ts
		}
		return err
	})
}

// service returns the service's settings; one that no longer exists shows
// as read-only, so its message can still change but offers nothing to run.
func (b *Bot) service(ctx context.Context, key string) (noctuary.Service, error) {
	svc, err := b.opt.Store.Service(ctx, key)
	if noctuary.ErrorCode(err) == noctuary.ENotFound {
		return noctuary.Service{Key: key, Mode: noctuary.ModeReadOnly}, nil
	}
	return svc, err
}

// latestState returns the incident's state from the store, or fallback when
// the store has none (or cannot say: the message is still worth showing).
func (b *Bot) latestState(ctx context.Context, incidentID string, fallback noctuary.IncidentState) noctuary.IncidentState {
	st, err := b.opt.Store.IncidentState(ctx, incidentID)
	if err != nil {
		if noctuary.ErrorCode(err) != noctuary.ENotFound {
			b.log.Warn("incident state unavailable for the Slack message", "incident", incidentID, "error", err)
		}
		return fallback
	}
	return st
}

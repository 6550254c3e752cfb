package bot

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/bot/blocks"
)

// record is what noctuary:v1:slackmsg:<incident id> keeps of an incident's
// message: where it is and what it shows.
type record struct {
	Channel, TS string
	Triage      noctuary.Triage
	Offers      []blocks.Offer
	Outcomes    []blocks.Outcome
	// Said lists what the thread was told ("status:resolved",
	// "outcome:<approval id>"), so that a retried job says it once.
	Said []string
	// Shown identifies the incident state the message and thread last
	// showed (see shown); "" when not known.
	Shown string
}

// posted reports whether the message exists in Slack.
func (r record) posted() bool { return r.TS != "" }

func (b *Bot) loadRecord(ctx context.Context, incidentID string) (record, error) {
	f, err := b.opt.Store.SlackMessage(ctx, incidentID)
	if err != nil {
		return record{}, err
	}
	r := record{Channel: f["channel"], TS: f["ts"], Shown: f["shown"]}
	for field, v := range map[string]any{"triage": &r.Triage, "offers": &r.Offers, "outcomes": &r.Outcomes, "said": &r.Said} {
		if f[field] == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f[field]), v); err != nil {
			return record{}, noctuary.Wrap(err, noctuary.EInternal, "the Slack message record of incident "+incidentID+" is damaged")
		}
	}
	// A record written before triages were compacted holds every signal of
	// the window: it shows the same, and is rewritten compact.
	if r.Triage.ID != "" {
		r.Triage = r.Triage.Compact()
	}
	return r, nil
}

func (b *Bot) saveRecord(ctx context.Context, incidentID string, r record) error {
	f := map[string]string{"channel": r.Channel, "ts": r.TS, "shown": r.Shown}
	for field, v := range map[string]any{"triage": r.Triage, "offers": r.Offers, "outcomes": r.Outcomes, "said": r.Said} {
		raw, err := json.Marshal(v)
		if err != nil {
			return noctuary.Wrap(err, noctuary.EInternal, "cannot encode the Slack message record")
		}
		f[field] = string(raw)
	}
	return b.opt.Store.SetSlackMessage(ctx, incidentID, f)
}

// lockWait is how long a job waits for another job of the same incident
// (one Slack call, usually) before leaving itself to be retried later.
const lockWait = 5 * time.Second

// lockRecord takes the incident's message lock, waiting up to lockWait while
// another worker holds it; errBusy after that.
func (b *Bot) lockRecord(ctx context.Context, incidentID string) (func(), error) {
	deadline := time.Now().Add(lockWait)
	for {
		release, ok, err := b.opt.Store.LockSlackMessage(ctx, incidentID, msgLockTTL)
		if err != nil || ok {
			return release, err
		}
		if time.Now().After(deadline) {
			return nil, errBusy
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// readRecord loads the incident's record once no job holds its lock: what
// a job posting or updating the message saves is read, not what was before.
func (b *Bot) readRecord(ctx context.Context, incidentID string) (record, error) {
	release, err := b.lockRecord(ctx, incidentID)
	if err != nil {
		return record{}, err
	}
	defer release()
	return b.loadRecord(ctx, incidentID)
}

// withRecord runs f on the incident's record under its lock and saves what
// f leaves in it, even when f fails halfway (a message posted is recorded).
func (b *Bot) withRecord(ctx context.Context, incidentID string, f func(r *record) error) error {
	release, err := b.lockRecord(ctx, incidentID)
	if err != nil {
		return err
	}
	defer release()
	r, err := b.loadRecord(ctx, incidentID)
	if err != nil {
		return err
	}
	before := r
	ferr := f(&r)
	if sameRecord(before, r) {
		return ferr
	}
	if err := b.saveRecord(context.WithoutCancel(ctx), incidentID, r); err != nil {
		return err
	}
	return ferr
}

func sameRecord(a, b record) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// sayOnce posts text in the message's thread unless the thread was told key.
func (b *Bot) sayOnce(ctx context.Context, r *record, key, text string) error {
	return b.postOnce(ctx, r, key, slack.MsgOptionText(text, false))
}

// postOnce posts a message in the thread unless the thread was told key.
func (b *Bot) postOnce(ctx context.Context, r *record, key string, opts ...slack.MsgOption) error {
	if slices.Contains(r.Said, key) {
		return nil
	}
	err := b.dir.call(ctx, func() error {
		_, _, err := b.api.PostMessageContext(ctx, r.Channel, append(opts, slack.MsgOptionTS(r.TS))...)
		return err
	})
	if err != nil {
		return err
	}
	r.Said = append(r.Said, key)
	return nil
}

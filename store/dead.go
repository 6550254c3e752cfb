package store

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

const (
	// deadMaxLen bounds noctuary:webhooks:dead (approximately).
	deadMaxLen = 10000
	// replayPage is how many dead entries ReplayDeadWebhooks moves at a time.
	replayPage = 100
)

// DeadLetterWebhook moves m to noctuary:webhooks:dead with reason, then
// acknowledges and deletes it from the queue. The dead entry is written
// first, so a failure in between leaves a copy rather than losing it.
func (s *Store) DeadLetterWebhook(ctx context.Context, m noctuary.WebhookDelivery, reason string) error {
	b, err := json.Marshal(m.Event)
	if err != nil {
		return noctuary.Wrap(err, noctuary.EInvalid, "the webhook event cannot be encoded")
	}
	return s.deadLetter(ctx, m.StreamID, string(b), reason, m.Deliveries)
}

func (s *Store) deadLetter(ctx context.Context, streamID, raw, reason string, deliveries int64) error {
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: keyWebhooksDead, MaxLen: deadMaxLen, Approx: true,
		Values: []any{fieldEvent, raw, "reason", reason, "deliveries", deliveries, "stream_id", streamID},
	}).Err()
	if err != nil {
		return unavailable(err)
	}
	return s.AckWebhook(ctx, streamID)
}

// DeadWebhooks returns up to limit dead-lettered webhook events, newest first.
func (s *Store) DeadWebhooks(ctx context.Context, limit int) ([]noctuary.DeadWebhook, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, keyWebhooksDead, "+", "-", int64(limit)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]noctuary.DeadWebhook, 0, len(msgs))
	for _, m := range msgs {
		d := noctuary.DeadWebhook{ID: m.ID, StreamID: str(m.Values["stream_id"]), Reason: str(m.Values["reason"])}
		d.Deliveries, _ = strconv.ParseInt(str(m.Values["deliveries"]), 10, 64)
		_ = json.Unmarshal([]byte(str(m.Values[fieldEvent])), &d.Event)
		out = append(out, d)
	}
	return out, nil
}

// ReplayDeadWebhooks puts every dead-lettered event back on the queue
// (bypassing the dedupe, which saw them already) and removes it from
// noctuary:webhooks:dead. It returns how many were replayed. Each entry is
// re-queued before it is removed, so an interruption leaves duplicates at
// worst, never losses.
func (s *Store) ReplayDeadWebhooks(ctx context.Context) (int, error) {
	return s.replayStream(ctx, keyWebhooksDead, keyWebhooks)
}

// ReplayDeadSlackJobs puts every dead-lettered Slack job (a message Slack
// kept refusing, say during an outage) back on the Slack job queue, as
// ReplayDeadWebhooks does for webhooks.
func (s *Store) ReplayDeadSlackJobs(ctx context.Context) (int, error) {
	return s.replayStream(ctx, keySlackJobsDead, keySlackJobs)
}

// replayStream moves every entry of the dead stream back onto queue, page
// by page.
func (s *Store) replayStream(ctx context.Context, dead, queue string) (int, error) {
	replayed, start := 0, "-"
	for {
		page, err := s.rdb.XRangeN(ctx, dead, start, "+", replayPage).Result()
		if err != nil {
			return replayed, unavailable(err)
		}
		n, err := s.replay(ctx, page, dead, queue)
		replayed += n
		if err != nil || len(page) < replayPage {
			return replayed, err
		}
		start = "(" + page[len(page)-1].ID
	}
}

// replay re-queues one page of dead entries, then deletes those re-queued.
func (s *Store) replay(ctx context.Context, page []redis.XMessage, dead, queue string) (int, error) {
	if len(page) == 0 {
		return 0, nil
	}
	cmds := make([]*redis.StringCmd, len(page))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range page {
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: queue, Values: []any{fieldEvent, str(m.Values[fieldEvent])}})
		}
		return nil
	})
	var done []string
	var firstErr error
	for i, c := range cmds {
		if c.Err() != nil {
			if firstErr == nil {
				firstErr = c.Err()
			}
			continue
		}
		done = append(done, page[i].ID)
	}
	if len(done) > 0 {
		if err := s.rdb.XDel(ctx, dead, done...).Err(); err != nil {
			return 0, unavailable(err)
		}
	}
	return len(done), unavailable(firstErr)
}

// str returns v as a string ("" unless it is one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

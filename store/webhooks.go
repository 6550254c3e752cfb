package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

// maxClaimPages bounds the scan of one ClaimStaleWebhooks call.
const maxClaimPages = 10

// EnqueueWebhook queues ev for triage unless an event with the same ID was
// queued in the last 96 hours, in which case duplicate is true. Queuing and
// marking the ID as seen happen in one script: both or neither.
func (s *Store) EnqueueWebhook(ctx context.Context, ev noctuary.WebhookEvent) (duplicate bool, err error) {
	if ev.ID == "" {
		return false, noctuary.Errorf(noctuary.EInvalid, "the webhook event has no id")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return false, noctuary.Wrap(err, noctuary.EInvalid, "the webhook event cannot be encoded")
	}
	keys := []string{keyWebhooks, prefixSeen + ev.ID}
	err = enqueueScript.Run(ctx, s.rdb, keys, b, int64(webhookDedupeTTL/time.Second)).Err()
	if isNil(err) {
		return true, nil
	}
	return false, unavailable(err)
}

// ReadWebhooks reads up to count new webhook events for consumer in the
// "triage" group, waiting up to block for one to arrive (block <= 0: do not
// wait). It returns nil, nil when there is none. Each message must be
// acknowledged (AckWebhook) or dead-lettered once handled.
func (s *Store) ReadWebhooks(ctx context.Context, consumer string, count int, block time.Duration) ([]noctuary.WebhookDelivery, error) {
	args := &redis.XReadGroupArgs{
		Group: webhookGroup, Consumer: consumer, Streams: []string{keyWebhooks, ">"},
		Count: int64(count), Block: blockArg(block),
	}
	res, err := s.rdb.XReadGroup(ctx, args).Result()
	if groupLost(err) {
		if err = s.recreateGroup(ctx, webhooksGroup); err == nil {
			res, err = s.rdb.XReadGroup(ctx, args).Result()
		}
	}
	if isNil(err) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable(err)
	}
	var msgs []redis.XMessage
	for _, st := range res {
		msgs = append(msgs, st.Messages...)
	}
	return s.decodeMessages(ctx, msgs, nil)
}

// blockArg turns a wait into go-redis' Block: -1 means no BLOCK at all,
// since BLOCK 0 would wait forever.
func blockArg(block time.Duration) time.Duration {
	if block <= 0 {
		return -1
	}
	return max(block, time.Millisecond)
}

// decodeMessages decodes stream entries. An entry that does not decode can
// never be triaged: it is dead-lettered at once and left out. counts maps
// IDs to delivery counts; a missing ID counts 1 (a first delivery).
func (s *Store) decodeMessages(ctx context.Context, msgs []redis.XMessage, counts map[string]deliveryCount) ([]noctuary.WebhookDelivery, error) {
	out := make([]noctuary.WebhookDelivery, 0, len(msgs))
	for _, m := range msgs {
		n := max(counts[m.ID].deliveries, 1)
		raw, _ := m.Values[fieldEvent].(string)
		var ev noctuary.WebhookEvent
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			s.log.Warn("dead-lettering an undecodable webhook entry", "stream_id", m.ID, "error", err)
			if err := s.deadLetter(ctx, m.ID, raw, "undecodable entry: "+err.Error(), n); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, noctuary.WebhookDelivery{StreamID: m.ID, Deliveries: n, Retries: counts[m.ID].retries, Event: ev})
	}
	return out, nil
}

// AckWebhook marks a webhook event as handled and deletes it from the queue,
// then deletes its retry record. The record lives in another hash slot, so
// it is not in the transaction: one left behind by a failure in between
// expires by itself.
func (s *Store) AckWebhook(ctx context.Context, streamID string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, keyWebhooks, webhookGroup, streamID)
		p.XDel(ctx, keyWebhooks, streamID)
		return nil
	})
	if err == nil {
		err = s.rdb.Del(ctx, keyWebhookRetry(streamID)).Err()
	}
	return unavailable(err)
}

// RenewWebhook restarts the idle time of a webhook entry that consumer
// holds (its triage is still running), keeping its delivery count: no
// worker reclaims it until minIdle after the last renewal. It returns false
// when consumer no longer holds the entry.
func (s *Store) RenewWebhook(ctx context.Context, consumer, streamID string) (bool, error) {
	return s.ownedEntry(ctx, []string{keyWebhooks}, webhookGroup, consumer, streamID, "renew")
}

// StreamLengths returns the queue's sizes: "webhooks" (entries not yet
// acknowledged), "webhooks_dead" and "webhooks_pending" (delivered, not yet
// acknowledged).
func (s *Store) StreamLengths(ctx context.Context) (map[string]int64, error) {
	var queued, dead *redis.IntCmd
	var pending *redis.XPendingCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		queued = p.XLen(ctx, keyWebhooks)
		dead = p.XLen(ctx, keyWebhooksDead)
		pending = p.XPending(ctx, keyWebhooks, webhookGroup)
		return nil
	})
	if err != nil && !isNoGroup(err) {
		return nil, unavailable(err)
	}
	return map[string]int64{
		"webhooks": queued.Val(), "webhooks_dead": dead.Val(), "webhooks_pending": pending.Val().Count,
	}, nil
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

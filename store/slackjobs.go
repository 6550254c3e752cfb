package store

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Slack job queue and message records (owned by package bot).
const (
	keySlackJobs      = "noctuary:v1:slack:jobs"
	keySlackJobsDead  = "{noctuary:v1:slack:jobs}:dead" // the queue's hash slot (schema 2)
	prefixSlackMsg    = "noctuary:v1:slackmsg:"
	prefixSlackThread = "noctuary:v1:slackthread:"
	prefixSlackLock   = "noctuary:v1:lock:slackmsg:"
	slackGroup        = "slack"
	// slackJobsMaxLen bounds the queue (entries are deleted once handled);
	// slackDeadMaxLen bounds the dead letters kept for inspection.
	slackJobsMaxLen = 100_000
	slackDeadMaxLen = 1_000
	slackMsgTTL     = 30 * 24 * time.Hour
)

func keySlackMsg(incidentID string) string  { return prefixSlackMsg + incidentID }
func keySlackLock(incidentID string) string { return prefixSlackLock + incidentID }

// EnqueueSlackJob durably queues one Slack job (opaque bytes) for the bot's
// job worker, in the consumer group "slack".
func (s *Store) EnqueueSlackJob(ctx context.Context, data []byte) error {
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: keySlackJobs, MaxLen: slackJobsMaxLen, Approx: true,
		Values: map[string]any{fieldEvent: data},
	}).Err()
	return unavailable(err)
}

// NextSlackJob returns one Slack job for consumer: first one that another
// worker took at least minIdle ago and never acknowledged, else a new one,
// waiting up to block (<= 0: do not wait). id is "" when there is none;
// deliveries counts this delivery too. Each job must end in AckSlackJob or
// DeadLetterSlackJob.
func (s *Store) NextSlackJob(ctx context.Context, consumer string, block, minIdle time.Duration) (id string, data []byte, deliveries int64, err error) {
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: keySlackJobs, Group: slackGroup, Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: 1,
	}).Result()
	if groupLost(err) {
		err = s.recreateGroup(ctx, slackJobGroup)
	}
	if err != nil {
		return "", nil, 0, unavailable(err)
	}
	if len(msgs) == 1 {
		deliveries, err = s.slackDeliveries(ctx, msgs[0].ID)
		return msgs[0].ID, entryData(msgs[0]), deliveries, err
	}
	args := &redis.XReadGroupArgs{
		Group: slackGroup, Consumer: consumer, Streams: []string{keySlackJobs, ">"}, Count: 1, Block: blockArg(block),
	}
	res, err := s.rdb.XReadGroup(ctx, args).Result()
	if groupLost(err) {
		if err = s.recreateGroup(ctx, slackJobGroup); err == nil {
			res, err = s.rdb.XReadGroup(ctx, args).Result()
		}
	}
	if isNil(err) || (err == nil && (len(res) == 0 || len(res[0].Messages) == 0)) {
		return "", nil, 0, nil
	}
	if err != nil {
		return "", nil, 0, unavailable(err)
	}
	m := res[0].Messages[0]
	return m.ID, entryData(m), 1, nil
}

func entryData(m redis.XMessage) []byte {
	raw, _ := m.Values[fieldEvent].(string)
	return []byte(raw)
}

// slackDeliveries returns how often the job id was delivered (XPENDING).
func (s *Store) slackDeliveries(ctx context.Context, id string) (int64, error) {
	pend, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: keySlackJobs, Group: slackGroup, Start: id, End: id, Count: 1,
	}).Result()
	if err != nil {
		return 0, unavailable(err)
	}
	if len(pend) == 0 {
		return 1, nil
	}
	return max(pend[0].RetryCount, 1), nil
}

// AckSlackJob marks the job as done and deletes it from the queue.
func (s *Store) AckSlackJob(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, keySlackJobs, slackGroup, id)
		p.XDel(ctx, keySlackJobs, id)
		return nil
	})
	return unavailable(err)
}

// ownedEntryScript runs one of two operations on a stream entry of a
// consumer group, only while consumer ARGV[2] still holds it (it is pending
// with that consumer): so a worker whose lease lapsed, and whose entry
// another worker took, can neither keep the entry nor dead-letter it a
// second time. KEYS[1] the stream, KEYS[2] (for "dead" only) its dead
// letters, in the stream's hash slot; ARGV[1] the group, ARGV[3] the entry
// ID, ARGV[4] "renew" or "dead", then for "dead" the fields of the dead
// entry. A renewal restarts the entry's idle time and keeps its delivery
// count as it is. Returns 1 when done, 0 when the consumer no longer holds
// the entry.
var ownedEntryScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
if ARGV[4] == 'renew' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'RETRYCOUNT', p[1][4], 'JUSTID')
  return 1
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, 6))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
`)

// RenewSlackJob restarts the lease of job id for consumer, which holds it:
// another worker may take it only minIdle after the last renewal. It
// returns false when consumer no longer holds the job.
func (s *Store) RenewSlackJob(ctx context.Context, consumer, id string) (bool, error) {
	return s.ownedJob(ctx, consumer, id, "renew")
}

// DeadLetterSlackJob moves a job that failed too often to
// {noctuary:v1:slack:jobs}:dead (fields "e", "reason", "stream_id") and removes
// it from the queue, in one step and only while consumer holds it: a job is
// dead-lettered once, however many workers gave up on it. It returns false
// (and does nothing) when consumer no longer holds the job.
func (s *Store) DeadLetterSlackJob(ctx context.Context, consumer, id string, data []byte, reason string) (bool, error) {
	return s.ownedJob(ctx, consumer, id, "dead", slackDeadMaxLen, fieldEvent, data, "reason", reason, "stream_id", id)
}

func (s *Store) ownedJob(ctx context.Context, consumer, id, op string, more ...any) (bool, error) {
	keys := []string{keySlackJobs}
	if op == "dead" {
		keys = append(keys, keySlackJobsDead)
	}
	return s.ownedEntry(ctx, keys, slackGroup, consumer, id, op, more...)
}

// ownedEntry runs ownedEntryScript on keys (the stream, and for "dead" its
// dead letters).
func (s *Store) ownedEntry(ctx context.Context, keys []string, group, consumer, id, op string, more ...any) (bool, error) {
	args := append([]any{group, consumer, id, op}, more...)
	n, err := ownedEntryScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

// SlackMessage returns the fields recorded for an incident's Slack message
// (channel, ts and whatever the bot keeps there); empty when there is none.
func (s *Store) SlackMessage(ctx context.Context, incidentID string) (map[string]string, error) {
	fields, err := s.rdb.HGetAll(ctx, keySlackMsg(incidentID)).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	return fields, nil
}

// SetSlackMessage records fields of an incident's Slack message, kept 30 days
// after the last change. With a channel and a ts, the message's thread is
// recorded as the incident's too (SlackThread), as long.
func (s *Store) SetSlackMessage(ctx context.Context, incidentID string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, keySlackMsg(incidentID), fields)
		p.Expire(ctx, keySlackMsg(incidentID), slackMsgTTL)
		return nil
	})
	if err == nil && fields["channel"] != "" && fields["ts"] != "" {
		// Another slot in a cluster: not in the transaction. A message
		// without its thread key only misses answers to mentions.
		err = s.rdb.Set(ctx, keySlackThread(fields["channel"], fields["ts"]), incidentID, slackMsgTTL).Err()
	}
	return unavailable(err)
}

// SlackThread returns the ID of the incident whose Slack message is ts in
// channel (the parent of a thread), or "" when there is none.
func (s *Store) SlackThread(ctx context.Context, channel, ts string) (string, error) {
	id, err := s.rdb.Get(ctx, keySlackThread(channel, ts)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return id, unavailable(err)
}

func keySlackThread(channel, ts string) string { return prefixSlackThread + channel + ":" + ts }

// LockSlackMessage takes the incident's Slack message lock for ttl, so that
// one worker at a time posts or updates it. ok is false when another holds
// it; release frees it only while this holder still owns it.
func (s *Store) LockSlackMessage(ctx context.Context, incidentID string, ttl time.Duration) (release func(), ok bool, err error) {
	key, token := keySlackLock(incidentID), rand.Text()
	ok, err = s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil || !ok {
		return func() {}, false, unavailable(err)
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := unlockScript.Run(rctx, s.rdb, []string{key}, token).Err(); err != nil {
			s.log.Warn("cannot release a Slack message lock; it will expire", "incident", incidentID, "error", err)
		}
	}, true, nil
}

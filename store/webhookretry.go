package store

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/noctuary/noctuary"
)

const (
	// claimPage is how many pending entries one XPENDING of
	// ClaimStaleWebhooks reads.
	claimPage = 100
	// retryRecordTTL bounds how long an entry's retry record outlives its
	// last deferral; the entry is normally acknowledged long before.
	retryRecordTTL = 7 * 24 * time.Hour
)

// Fields of an entry's retry record (noctuary:v1:webhook:retry:<stream ID>).
const (
	fieldDue     = "due"     // unix ms before which the entry is not claimed
	fieldRefunds = "refunds" // deliveries that do not count against the limit
	fieldRetries = "retries" // of those, deliveries that failed transiently
)

func keyWebhookRetry(streamID string) string { return prefixWebhookRetry + streamID }

// claimCursor is where the next scan of the pending entries starts, so that
// entries that cannot be taken yet do not hold the head of every scan.
type claimCursor struct {
	mu   sync.Mutex
	next string
}

// deliveryCount is how often an entry was delivered, counting only
// deliveries that count against the limit, and how many failed transiently.
type deliveryCount struct{ deliveries, retries int64 }

// DeferWebhook leaves a delivered entry pending until after has passed, for
// every replica: ClaimStaleWebhooks takes it then, and not before, whatever
// its minIdle. This delivery does not count towards the entry's delivery
// limit (its incident was busy, or the failure was transient); a transient
// one is counted in the delivery's Retries, which spaces retries out.
func (s *Store) DeferWebhook(ctx context.Context, streamID string, after time.Duration, transient bool) error {
	key := keyWebhookRetry(streamID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, fieldDue, s.now().Add(after).UnixMilli())
		p.HIncrBy(ctx, key, fieldRefunds, 1)
		if transient {
			p.HIncrBy(ctx, key, fieldRetries, 1)
		}
		p.Expire(ctx, key, retryRecordTTL)
		return nil
	})
	return unavailable(err)
}

// ClaimStaleWebhooks takes over, for consumer, up to count webhook events
// that some worker took and never acknowledged: those delivered at least
// minIdle ago (a crashed or stuck worker), and those deferred
// (DeferWebhook) whose time has come. Each call goes on scanning where the
// last one stopped, so that entries that cannot be taken yet never keep
// the others waiting.
func (s *Store) ClaimStaleWebhooks(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]noctuary.WebhookDelivery, error) {
	s.claimFrom.mu.Lock()
	defer s.claimFrom.mu.Unlock()
	start := cmp.Or(s.claimFrom.next, "-")
	wrapped := start == "-"
	var msgs []redis.XMessage
	counts := map[string]deliveryCount{}
	for range maxClaimPages {
		page, err := s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: keyWebhooks, Group: webhookGroup, Start: start, End: "+", Count: claimPage,
		}).Result()
		if groupLost(err) {
			return nil, s.recreateGroup(ctx, webhooksGroup)
		}
		if err != nil {
			return nil, unavailable(err)
		}
		claimed, next, err := s.claimPage(ctx, consumer, minIdle, page, count-len(msgs), counts)
		if err != nil {
			return nil, err
		}
		msgs, start = append(msgs, claimed...), next
		if len(msgs) >= count {
			break
		}
		if len(page) < claimPage {
			if start = "-"; wrapped {
				break
			}
			wrapped = true
		}
	}
	s.claimFrom.next = start
	if len(msgs) == 0 {
		return nil, nil
	}
	return s.decodeMessages(ctx, msgs, counts)
}

// claimPage claims up to count entries of page that are due: deferred
// entries whose time has come, and entries idle for minIdle that were not
// deferred. Their delivery counts go to counts. next is where the scan goes
// on.
func (s *Store) claimPage(ctx context.Context, consumer string, minIdle time.Duration, page []redis.XPendingExt, count int, counts map[string]deliveryCount) (claimed []redis.XMessage, next string, err error) {
	records, err := s.retryRecords(ctx, page)
	if err != nil {
		return nil, "", err
	}
	now := s.now().UnixMilli()
	var undue []string
	for i, p := range page {
		if len(claimed) >= count {
			return claimed, p.ID, s.clearDue(ctx, undue)
		}
		next = afterID(p.ID)
		r, idle := records[i], minIdle
		switch {
		case r.due > now:
			continue
		case r.due > 0:
			// Still as idle as it was: nobody claimed it since XPENDING.
			idle = max(p.Idle, time.Millisecond)
		case p.Idle < minIdle:
			continue
		}
		msgs, err := s.rdb.XClaim(ctx, &redis.XClaimArgs{
			Stream: keyWebhooks, Group: webhookGroup, Consumer: consumer, MinIdle: idle, Messages: []string{p.ID},
		}).Result()
		if err != nil {
			return nil, "", unavailable(err)
		}
		if len(msgs) == 0 {
			continue
		}
		claimed = append(claimed, msgs[0])
		counts[p.ID] = deliveryCount{deliveries: max(p.RetryCount+1-r.refunds, 1), retries: r.retries}
		if r.due > 0 {
			undue = append(undue, p.ID)
		}
	}
	return claimed, next, s.clearDue(ctx, undue)
}

// retryRecord is an entry's retry record as read.
type retryRecord struct{ due, refunds, retries int64 }

// retryRecords reads the retry records of page's entries (zero for none).
func (s *Store) retryRecords(ctx context.Context, page []redis.XPendingExt) ([]retryRecord, error) {
	cmds := make([]*redis.SliceCmd, len(page))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range page {
			cmds[i] = p.HMGet(ctx, keyWebhookRetry(e.ID), fieldDue, fieldRefunds, fieldRetries)
		}
		return nil
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]retryRecord, len(page))
	for i, c := range cmds {
		v := c.Val()
		out[i] = retryRecord{due: int64Field(v, 0), refunds: int64Field(v, 1), retries: int64Field(v, 2)}
	}
	return out, nil
}

// clearDue forgets the due times of entries just claimed: from now on they
// are reclaimed, like any taken entry, once idle for minIdle.
func (s *Store) clearDue(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.HDel(ctx, keyWebhookRetry(id), fieldDue)
		}
		return nil
	})
	return unavailable(err)
}

// int64Field parses vals[i] of an HMGET, 0 when missing or not a number.
func int64Field(vals []any, i int) int64 {
	if i >= len(vals) {
		return 0
	}
	n, _ := strconv.ParseInt(str(vals[i]), 10, 64)
	return n
}

// afterID is the smallest stream ID greater than id ("<ms>-<seq>").
func afterID(id string) string {
	ms, seq, _ := strings.Cut(id, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return id
	}
	return ms + "-" + strconv.FormatUint(n+1, 10)
}

package store

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/noctuary/noctuary"
)

// releaseTimeout bounds a lock release, which runs even after its context
// ended.
const releaseTimeout = 5 * time.Second

// LockTriage takes the lock of a triage, so that one worker at a time
// handles it: a lease of ttl owned by a random token. While it is held, the
// lease is renewed every ttl/3 until release is called or ctx ends, so a
// holder that dies leaves it behind for ttl at most. held is ctx, cancelled
// once the lease is lost (not renewed for 2/3 of ttl, or found taken over)
// or released: work done under the lock runs on it. release frees the lock
// only while this caller still owns it.
func (s *Store) LockTriage(ctx context.Context, triageID string, ttl time.Duration) (held context.Context, release func(), ok bool, err error) {
	key, token := prefixTriageLock+triageID, rand.Text()
	ok, err = s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return ctx, func() {}, false, unavailable(err)
	}
	if !ok {
		return ctx, func() {}, false, nil
	}
	held, lose := context.WithCancel(ctx)
	go s.renewLease(held, lose, key, token, ttl)
	release = func() {
		lose()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := unlockScript.Run(rctx, s.rdb, []string{key}, token).Err(); err != nil {
			s.log.Warn("cannot release a triage lock; it will expire", "triage_id", triageID, "error", err)
		}
	}
	return held, release, true, nil
}

// renewLease renews the lease at key while held lasts, and calls lose when
// it is lost.
func (s *Store) renewLease(held context.Context, lose context.CancelFunc, key, token string, ttl time.Duration) {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	renewed := time.Now()
	for {
		select {
		case <-held.Done():
			return
		case <-tick.C:
		}
		n, err := renewScript.Run(held, s.rdb, []string{key}, token, ttl.Milliseconds()).Int()
		switch {
		case err == nil && n == 1:
			renewed = time.Now()
		case err == nil || time.Since(renewed) >= ttl*2/3:
			if held.Err() == nil {
				s.log.Warn("a lock's lease was lost; the work under it stops", "key", key, "error", err)
			}
			lose()
			return
		}
	}
}

// Reserve takes one request from bucket's budget, shared by every replica:
// a GCRA token bucket in Redis (go-redis/redis_rate, on Redis's clock) that
// refills perMinute requests a minute and holds at most burst. It returns 0
// when the request may go now, otherwise how long to wait before asking
// again (until the bucket holds a request, or a Block ends); a request told
// to wait is not taken. A caller asking with a smaller burst than another
// leaves the difference to it: the bucket is the same.
func (s *Store) Reserve(ctx context.Context, bucket string, perMinute, burst int) (time.Duration, error) {
	_, _, wait, err := s.ReserveUpTo(ctx, bucket, perMinute, burst, 1)
	return wait, err
}

// ReserveUpTo is Reserve for up to n requests at once: it takes as many as
// the bucket holds, at most n, and returns how many and how many whole
// requests it still holds (wait 0), or takes none and returns how long to
// wait. The bucket holds fractions of a request too: asking for more than
// it holds takes them, so callers ask for at most what it held last.
func (s *Store) ReserveUpTo(ctx context.Context, bucket string, perMinute, burst, n int) (taken, left int, wait time.Duration, err error) {
	if perMinute <= 0 || burst <= 0 || n <= 0 {
		return 0, 0, 0, noctuary.Errorf(noctuary.EInvalid, "a request budget needs a positive rate, burst and count")
	}
	blocked, err := s.rdb.PTTL(ctx, blockedKey(bucket)).Result()
	if err != nil {
		return 0, 0, 0, unavailable(err)
	}
	if blocked > 0 {
		return 0, 0, blocked, nil
	}
	limit := redis_rate.Limit{Rate: perMinute, Burst: burst, Period: time.Minute}
	lim := redis_rate.NewLimiter(s.rdb)
	var res *redis_rate.Result
	if n == 1 {
		res, err = lim.Allow(ctx, prefixRateLimit+bucket, limit)
	} else {
		res, err = lim.AllowAtMost(ctx, prefixRateLimit+bucket, limit, n)
	}
	if err != nil {
		return 0, 0, 0, unavailable(err)
	}
	if res.Allowed > 0 {
		return res.Allowed, res.Remaining, 0, nil
	}
	return 0, 0, max(res.RetryAfter, time.Millisecond), nil
}

// Block stops every Reserve of bucket, by every replica, for d (a relative
// expiry: the API behind the bucket asked to wait, e.g. PagerDuty's 429 with
// Retry-After). A block never shortens one already in place.
func (s *Store) Block(ctx context.Context, bucket string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := blockScript.Run(ctx, s.rdb, []string{blockedKey(bucket)}, max(d.Milliseconds(), 1)).Err(); err != nil {
		return unavailable(err)
	}
	return nil
}

func blockedKey(bucket string) string { return prefixRateLimit + bucket + ":blocked" }

package store

import (
	"context"
	"crypto/rand"
	"strconv"
	"time"

	"github.com/noctuary/noctuary"
)

// releaseTimeout bounds a lock release, which runs even after its context
// ended.
const releaseTimeout = 5 * time.Second

// LockTriage takes the lock of a triage for ttl, so that one worker at a time
// handles it. When ok, release frees it (only if still held by this caller);
// the lock also expires after ttl.
func (s *Store) LockTriage(ctx context.Context, triageID string, ttl time.Duration) (release func(), ok bool, err error) {
	key, token := prefixTriageLock+triageID, rand.Text()
	ok, err = s.rdb.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return func() {}, false, unavailable(err)
	}
	if !ok {
		return func() {}, false, nil
	}
	release = func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := unlockScript.Run(rctx, s.rdb, []string{key}, token).Err(); err != nil {
			s.log.Warn("cannot release a triage lock; it will expire", "triage_id", triageID, "error", err)
		}
	}
	return release, true, nil
}

// Reserve counts one request against a budget of limit requests per window,
// shared by every replica (a fixed window counter in Redis). It returns 0
// when the request may go now, otherwise how long to wait until the window
// ends; it never blocks. A reservation that must wait is not counted again
// in the next window: the caller reserves again after waiting.
func (s *Store) Reserve(ctx context.Context, bucket string, limit int, window time.Duration) (time.Duration, error) {
	if limit <= 0 || window <= 0 {
		return 0, noctuary.Errorf(noctuary.EInvalid, "a request budget needs a positive limit and window")
	}
	now := s.now().UnixMilli()
	w := max(window.Milliseconds(), 1)
	idx := now / w
	key := prefixRateLimit + bucket + ":" + strconv.FormatInt(idx, 10)
	// The counter outlives its window by one more, for replicas whose clocks lag.
	n, err := reserveScript.Run(ctx, s.rdb, []string{key}, 2*w).Int()
	if err != nil {
		return 0, unavailable(err)
	}
	if n <= limit {
		return 0, nil
	}
	return time.Duration((idx+1)*w-now) * time.Millisecond, nil
}

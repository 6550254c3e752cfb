package ingest

import (
	"context"
	"sync"
	"time"
)

const (
	// aheadMax is the most events of a token's budget one replica takes
	// ahead of its requests.
	aheadMax = 64
	// aheadShare bounds what a replica takes ahead to 1/aheadShare of a
	// second's rate: 50 events at the default 1,000 a second, none below 20.
	aheadShare = 20
	// aheadFast and aheadSlow: a reserve used up sooner than aheadFast
	// doubles the next one; one that lasted longer than aheadSlow halves it.
	aheadFast = 100 * time.Millisecond
	aheadSlow = time.Second
)

// budgetAhead takes a busy token's budget a few events ahead of its
// requests, so that a token sending many small requests costs one Redis
// call a reserve, not one a request. Events taken ahead are spent from the
// shared budget when they are taken, so the limit is never looser than
// without them; at most what one replica holds goes unused when the token
// stops sending. A token that sends slowly takes nothing ahead: each
// request takes exactly its events, as without a reserve.
type budgetAhead struct {
	mu      sync.Mutex
	buckets map[string]*reserve
}

// reserve is one token bucket's events taken ahead on this replica.
type reserve struct {
	left   int       // events taken and not yet spent
	taking int       // events being taken ahead, not yet answered
	extra  int       // events the next take adds beyond its request's
	filled time.Time // when left was last refilled
}

// take spends n events of bucket's budget under limit: from the reserve when
// it holds them, else from the shared budget, with the reserve's extra
// events when the budget has them. It returns 0 when the events were
// spent, otherwise how long to wait (nothing is spent then).
func (a *budgetAhead) take(ctx context.Context, limit RateLimit, bucket string, n int) (time.Duration, error) {
	most := min(aheadMax, limit.PerSecond/aheadShare, limit.Burst-n)
	if most <= 0 {
		return limit.Limiter.TakeN(ctx, bucket, n, limit.PerSecond, limit.Burst)
	}
	a.mu.Lock()
	r := a.bucket(bucket)
	if r.left >= n {
		r.left -= n
		a.mu.Unlock()
		return 0, nil
	}
	now := time.Now()
	switch since := now.Sub(r.filled); {
	case r.filled.IsZero() || since > aheadSlow:
		r.extra /= 2
	case since < aheadFast:
		r.extra = min(max(1, 2*r.extra), most)
	}
	// What is held and being taken stays within most, however many
	// requests find the reserve short at once.
	extra := max(0, min(r.extra, most-r.left-r.taking))
	r.taking += extra
	a.mu.Unlock()
	if extra > 0 {
		wait, err := limit.Limiter.TakeN(ctx, bucket, n+extra, limit.PerSecond, limit.Burst)
		a.settle(bucket, extra, wait, err, now)
		if err != nil || wait <= 0 {
			return wait, err
		}
		// Short of the extra events: take the request's own, exactly.
	}
	wait, err := limit.Limiter.TakeN(ctx, bucket, n, limit.PerSecond, limit.Burst)
	if extra == 0 {
		a.settle(bucket, 0, wait, err, now)
	}
	return wait, err
}

// settle records the answer (wait, err) to a take, at now, of a request's
// events and extra events ahead: taken, they fill the reserve; refused,
// the bucket stops taking ahead until the token is busy again.
func (a *budgetAhead) settle(bucket string, extra int, wait time.Duration, err error, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.bucket(bucket)
	r.taking -= extra
	switch {
	case err != nil:
	case wait <= 0:
		r.left += extra
		r.filled = now
	case extra > 0:
		r.extra = 0
		r.filled = now
	}
}

// bucket returns bucket's reserve, made when new; a.mu is held.
func (a *budgetAhead) bucket(name string) *reserve {
	r, ok := a.buckets[name]
	if !ok {
		if a.buckets == nil {
			a.buckets = map[string]*reserve{}
		}
		r = &reserve{}
		a.buckets[name] = r
	}
	return r
}

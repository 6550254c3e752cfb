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
// requests, so that a token sending many small requests near its limit
// costs one Redis call a reserve, not one a request. Events taken ahead are
// spent from the shared budget when they are taken, and a reserve expires
// before the shared budget could have refilled past what it holds, so the
// limit is never looser than without reserves, over any span of time: a
// reserve held while the budget refilled to its burst would be on top of
// it. A reserve is therefore taken only when the budget is at least one
// reserve below its burst: a token well below its limit, and one that sends
// slowly, take exactly their events, as without a reserve. At most what one
// replica holds goes unused when the token stops sending.
type budgetAhead struct {
	mu      sync.Mutex
	buckets map[string]*reserve
}

// reserve is one token bucket's events taken ahead on this replica.
type reserve struct {
	left   int       // events taken and not yet spent
	until  time.Time // when left expires
	taking bool      // a take ahead is in flight
	extra  int       // events the next take adds beyond its request's
	filled time.Time // when left was last refilled
	level  int       // events the shared budget held after the last take,
	seen   time.Time // taken at seen
}

// take spends n events of bucket's budget under limit: from the reserve when
// it holds them, else from the shared budget, with the reserve's extra
// events when the budget has them. It returns 0 when the events were
// spent, otherwise how long to wait (nothing is spent then).
func (a *budgetAhead) take(ctx context.Context, limit RateLimit, bucket string, n int) (time.Duration, error) {
	most := min(aheadMax, limit.PerSecond/aheadShare, limit.Burst-n)
	if most <= 0 {
		_, wait, err := limit.Limiter.TakeN(ctx, bucket, n, limit.PerSecond, limit.Burst)
		return wait, err
	}
	now := time.Now()
	a.mu.Lock()
	r := a.bucket(bucket)
	if !now.Before(r.until) {
		r.left = 0
	}
	if r.left >= n {
		r.left -= n
		a.mu.Unlock()
		return 0, nil
	}
	extra, held := r.plan(limit, most, now), 0
	if extra > 0 { // the request spends what is left, and the reserve is new
		held, r.left, r.taking = r.left, 0, true
	}
	a.mu.Unlock()
	if extra > 0 {
		left, wait, err := limit.Limiter.TakeN(ctx, bucket, n-held+extra, limit.PerSecond, limit.Burst)
		a.settle(limit, bucket, extra, held, left, wait, err, now)
		if err != nil || wait <= 0 {
			return wait, err
		}
		// Short of the extra events: take the request's own, exactly.
	}
	left, wait, err := limit.Limiter.TakeN(ctx, bucket, n, limit.PerSecond, limit.Burst)
	a.settle(limit, bucket, 0, 0, left, wait, err, now)
	return wait, err
}

// plan returns the events to take ahead at now, at most most: none while
// another take ahead is in flight, or when the shared budget may be less
// than one reserve below its burst; a.mu is held.
func (r *reserve) plan(limit RateLimit, most int, now time.Time) int {
	switch since := now.Sub(r.filled); {
	case r.filled.IsZero() || since > aheadSlow:
		r.extra /= 2
	case since < aheadFast:
		r.extra = min(max(1, 2*r.extra), most)
	}
	refilled := float64(limit.PerSecond) * now.Sub(r.seen).Seconds()
	if r.taking || r.seen.IsZero() || float64(r.level)+refilled > float64(limit.Burst-most) {
		return 0
	}
	return min(r.extra, most)
}

// settle records the answer to a take at now of a request's events, less
// held of the reserve, and extra events ahead: the budget held left after
// it. Taken, the extra events are the reserve, until the budget could have
// refilled past them; refused, the bucket stops taking ahead until the
// token is busy again, and the reserve gets back what the request held.
func (a *budgetAhead) settle(limit RateLimit, bucket string, extra, held, left int, wait time.Duration, err error, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.bucket(bucket)
	if extra > 0 {
		r.taking = false
	}
	switch {
	case err != nil:
		r.left += held
	case wait > 0:
		r.left += held
		if extra > 0 {
			r.extra, r.filled = 0, now
		}
	default:
		r.level, r.seen = left, now
		if extra == 0 {
			r.filled = now
			return
		}
		// The budget holds less than left+1: with the reserve, it could
		// exceed its burst only once refilled by the rest.
		r.left, r.filled = extra, now
		r.until = now.Add(time.Duration(limit.Burst-left-1-extra) * time.Second / time.Duration(limit.PerSecond))
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

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
// call a reserve, not one a request: the request that leaves a quarter of
// the reserve or less takes the next one, while the requests that come
// meanwhile spend what is left. Events taken ahead are spent from the
// shared budget when they are taken, so a token never sends more than its
// rate over time; what the replicas hold ahead (at most one reserve each)
// is the only excess, in a burst after a quiet spell: the shared budget
// refills to its burst while they hold it. A token whose requests come
// slowly takes exactly its events, as without a reserve. What one replica
// holds goes unused when the token stops sending.
type budgetAhead struct {
	mu      sync.Mutex
	buckets map[string]*reserve
}

// reserve is one token bucket's events taken ahead on this replica.
type reserve struct {
	left   int       // events taken and not yet spent
	taking bool      // a take ahead is in flight
	extra  int       // events the next take adds beyond its request's
	filled time.Time // when the bucket last took from the shared budget
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
	now := time.Now()
	a.mu.Lock()
	r := a.bucket(bucket)
	if r.left >= n {
		r.left -= n
		top := r.topUp(most, now)
		a.mu.Unlock()
		if top > 0 {
			// The request's events are spent; the take only refills.
			wait, err := limit.Limiter.TakeN(ctx, bucket, top, limit.PerSecond, limit.Burst)
			a.settle(bucket, top, 0, wait, err, now)
		}
		return 0, nil
	}
	extra, held := r.plan(most, now), 0
	if extra > 0 { // the request spends what is left, and the reserve is new
		held, r.left, r.taking = r.left, 0, true
	}
	a.mu.Unlock()
	if extra > 0 {
		wait, err := limit.Limiter.TakeN(ctx, bucket, n-held+extra, limit.PerSecond, limit.Burst)
		a.settle(bucket, extra, held, wait, err, now)
		if err != nil || wait <= 0 {
			return wait, err
		}
		// Short of the extra events: take the request's own, exactly.
	}
	wait, err := limit.Limiter.TakeN(ctx, bucket, n, limit.PerSecond, limit.Burst)
	a.settle(bucket, 0, 0, wait, err, now)
	return wait, err
}

// topUp returns the events to take ahead at now when the reserve, just
// spent from, runs low (a quarter of its size or less) and no take is in
// flight, so that the requests that come while it is taken spend what is
// left instead of each taking their own events; 0 otherwise. What it takes
// brings the reserve back to its size, never above; a.mu is held.
func (r *reserve) topUp(most int, now time.Time) int {
	if r.taking || 4*r.left > r.extra {
		return 0
	}
	top := r.plan(most, now) - r.left
	if top > 0 {
		r.taking = true
	}
	return top
}

// plan returns the events to take ahead at now, at most most: none while
// another take ahead is in flight, so that a replica holds one reserve at
// most; a.mu is held.
func (r *reserve) plan(most int, now time.Time) int {
	switch since := now.Sub(r.filled); {
	case r.filled.IsZero() || since > aheadSlow:
		r.extra /= 2
	case since < aheadFast:
		r.extra = min(max(1, 2*r.extra), most)
	}
	if r.taking {
		return 0
	}
	return min(r.extra, most)
}

// settle records the answer to a take at now of a request's events, less
// held of the reserve, and extra events ahead. Taken, the extra events are
// the reserve; refused, the reserve gets back what the request held, and a
// refused take ahead stops taking ahead until the token is busy again.
func (a *budgetAhead) settle(bucket string, extra, held int, wait time.Duration, err error, now time.Time) {
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
		r.left += extra // 0 while taking: no other request adds to it
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
